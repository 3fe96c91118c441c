/** Typed Ignition: build, merge, serialize, check, size budget and pointer configs. */
export * from './types.js';
export { dataUrlResource, percentDataUrl, base64DataUrl, gzipDataUrl, type DataUrlOptions } from './data-url.js';
export { serializeIgnition, type SerializeOptions } from './serialize.js';
export { mergeIgnition } from './merge.js';
export { pointerConfig, sha512Hex } from './pointer.js';
export { sizeReport, formatSizeReport, OPENSTACK_USER_DATA_MAX_RAW, type SizeRow } from './size.js';
export { emptyConfig, inlineFile, normalizeConfig } from './build.js';
export { ignitionProblems, assertValidIgnition } from './check.js';
