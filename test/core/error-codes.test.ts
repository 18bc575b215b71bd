import { expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { documentedErrorCodes } from '../support/error-codes.js';

it('docs/CONTRACT.md lists exactly the error codes of src/core/errors.ts, in order', () => {
  expect(documentedErrorCodes()).toEqual([...ERROR_CODES]);
});
