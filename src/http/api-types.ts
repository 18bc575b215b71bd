import type { z } from '@hono/zod-openapi';
import type * as schemas from './schemas.js';

/**
 * The API's JSON answers as TypeScript types, inferred from the schemas that also
 * document them, for the clients in this repository (CLI, web page). Type-only: a
 * client importing these pulls in no code.
 */
export type ImageSaved = z.infer<typeof schemas.ImageSaved>;
export type GridBuilt = z.infer<typeof schemas.GridBuilt>;
export type GridImage = z.infer<typeof schemas.GridImage>;
export type GridListing = z.infer<typeof schemas.GridListing>;
export type UploadCreated = z.infer<typeof schemas.UploadCreated>;
export type Deleted = z.infer<typeof schemas.Deleted>;
export type OrderSaved = z.infer<typeof schemas.OrderSaved>;
/** An error answer: `code` is one of the contract's codes, `param` the input it is about. */
export type ErrorBody = z.infer<typeof schemas.ErrorBody>;
/** generate_grid's 202: the build goes on in the background, at `status_url`. */
export type BuildStarted = z.infer<typeof schemas.BuildStarted>;
/** A background build's status, from its `status_url`. */
export type BuildState = z.infer<typeof schemas.BuildState>;
