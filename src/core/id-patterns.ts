/**
 * The id rules on their own, free of Node, so the web page checks grid ids with the
 * API's own rule (web/src/grid-id.ts).
 */

/** The lab's id rule: 1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit. */
export const GRID_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** ULIDs: 26 characters of Crockford base32. */
export const IMAGE_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** A build's id: its grid version, 24 lowercase hex digits. */
export const BUILD_ID_PATTERN = /^[0-9a-f]{24}$/;
