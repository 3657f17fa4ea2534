// Commands the contract names that arrive with later issues (persistence, EC2 origin).

import { NotAvailableError } from '../errors.js';
import type { CommandResult } from '../exit-codes.js';

export function notAvailable(command: string): CommandResult {
  throw new NotAvailableError(command);
}
