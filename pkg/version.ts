/** The nkd version, kept equal to package.json's by a unit test. */
export const NKD_VERSION = '0.1.0';

/** The repository of the operator image when none is given: what hack/operator-image.sh tags locally. */
export const LOCAL_IMAGE_REPOSITORY = 'localhost';

/**
 * The reference of the upgrade operator and node agent image of this nkd version:
 * `<repository>/nkd-operator:<version>` (one image runs both; hack/operator-image.sh builds it).
 */
export function operatorImage(repository: string = LOCAL_IMAGE_REPOSITORY): string {
  return `${repository.replace(/\/+$/, '')}/nkd-operator:${NKD_VERSION}`;
}
