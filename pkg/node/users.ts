import type { AccessSpec } from '../config/types.gen.js';
import type { User } from '../ignition/types.js';

/** The login user: wheel, SSH keys, and a password hash only when one is given. */
export function loginUser(access: AccessSpec): User {
  return {
    name: access.user,
    groups: ['wheel'],
    sshAuthorizedKeys: [...access.sshAuthorizedKeys],
    ...(access.passwordHash ? { passwordHash: access.passwordHash } : {}),
  };
}
