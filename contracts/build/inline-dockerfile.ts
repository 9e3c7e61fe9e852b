import { z } from 'zod';

/*
 * A service's own Dockerfile text, kept with the service instead of in its repository (beyond
 * the contract, see docs/contract-corrections.md): what "Generate Dockerfile → Accept" saves, so
 * the build builds exactly the text the person accepted. The agent writes it outside the checkout.
 */

export const maxInlineDockerfileBytes = 64 * 1024;

export const InlineDockerfile = z
  .string()
  .min(1, 'An inline Dockerfile cannot be empty; leave dockerfile_content out to build the repository\'s Dockerfile')
  .refine((text) => new TextEncoder().encode(text).length <= maxInlineDockerfileBytes, {
    message: `An inline Dockerfile may be at most ${maxInlineDockerfileBytes / 1024} KiB`,
  });
