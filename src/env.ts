import type { UserProfile } from './db/users';
import type { AuthContext } from './services/auth/verifier';

/** What middleware puts on the context for the handlers after it. */
export interface AppVariables {
  requestId: string;
  /** Set by `responseHeaders` (src/middleware/response-headers.ts); use `addResponseHeader`. */
  addResponseHeader: (name: string, value: string) => void;
  /** Set by the auth middleware on protected routes. */
  auth: AuthContext;
  /** Set by the auth middleware on routes that ask for hydration. */
  user: UserProfile;
}

export interface AppEnv {
  Variables: AppVariables;
}
