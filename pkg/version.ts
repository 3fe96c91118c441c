/** The nkd version, kept equal to package.json's by a unit test. */
export const NKD_VERSION = '0.1.0';
