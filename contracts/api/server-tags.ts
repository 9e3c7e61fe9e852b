/*
 * Server tags with a meaning to the platform (a server's other tags are the user's own). Apart
 * from the zod resources, so the web UI reads them without bundling the schemas.
 */

/** Marks a build server: builds of its organization's services run there while it is online. */
export const buildServerTag = 'build';
