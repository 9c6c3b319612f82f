/** The API's request body cap (413 above it). */
export const API_BODY_LIMIT = 256 * 1024;
