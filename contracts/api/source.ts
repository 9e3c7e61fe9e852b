import { z } from 'zod';
import { InlineDockerfile, maxInlineDockerfileBytes } from '../build/inline-dockerfile.js';
import { EnvVarName } from '../primitives.js';
import { ImageReference, RegistryAuth } from '../websocket/deploy.js';

export const SourceType = z.enum(['dockerfile', 'nixpacks', 'image', 'docker_compose']);
export type SourceType = z.infer<typeof SourceType>;

// Relative, and never climbing out of the repository: the builder runs on the user's server.
const RepositoryPath = z
  .string()
  .regex(/^(?!\/)(?!(?:.*\/)?\.\.(?:\/|$)).+$/)
  .describe('Relative to the repository root');

const ImageSourceConfig = z.object({
  image: ImageReference,
  registry_auth: RegistryAuth.optional().describe('Absent for public images'),
});

function sourceVariant<Type extends SourceType, Config extends z.ZodObject>(sourceType: Type, sourceConfig: Config) {
  return z.object({ source_type: z.literal(sourceType), source_config: sourceConfig });
}

/*
 * What a request sends is strict: a key the source does not have (a `build_context` on a
 * nixpacks source) is an error, not dropped without a word. What reads back is not, so a newer
 * field never breaks an older reader.
 */
const imageSource = sourceVariant('image', ImageSourceConfig.strict());
/* What every build from the project's repository may set; build secrets are write-only. */
const buildFields = {
  branch: z.string().min(1).max(255).regex(/^[^\s~^:?*[\\]+$/).optional().describe("The project's repository branch; defaults to the project's"),
  build_args: z.record(EnvVarName, z.string()).optional().describe('docker build --build-arg'),
  build_secrets: z
    .record(EnvVarName, z.string())
    .optional()
    .describe('Mounted with RUN --mount=type=secret,id=NAME; sealed, never in a layer, never read back; left out of an update, the service keeps its own, {} clears them'),
};
const buildFieldsView = { ...buildFields, build_secrets: z.array(EnvVarName).optional().describe('The names of the build secrets') };

const DockerfileConfig = z.object({
  dockerfile_path: RepositoryPath.optional().describe('Defaults to "./Dockerfile"; not with dockerfile_content'),
  dockerfile_content: InlineDockerfile.optional().describe(
    `The Dockerfile's text (at most ${maxInlineDockerfileBytes / 1024} KiB of UTF-8), built instead of a file of the repository (beyond the contract); not with dockerfile_path`,
  ),
  build_context: RepositoryPath.optional().describe('Defaults to "."'),
  target: z.string().min(1).max(128).optional().describe('The stage to build (docker build --target)'),
});
const dockerfileSource = sourceVariant(
  'dockerfile',
  DockerfileConfig.extend(buildFields)
    .strict()
    .refine((config) => config.dockerfile_path === undefined || config.dockerfile_content === undefined, {
      path: ['dockerfile_content'],
      message: 'Give either dockerfile_path (a file of the repository) or dockerfile_content (the Dockerfile itself), not both',
    }),
);
const nixpacksSource = sourceVariant('nixpacks', z.strictObject(buildFields));
const ComposeConfig = z.object({ compose_file: RepositoryPath });
const dockerComposeSource = sourceVariant('docker_compose', ComposeConfig.strict());

/*
 * The contract puts `source_type` beside `source_config` in the body; a union on it picks the
 * shape of `source_config`, so a mismatch is reported at `source_config.<field>`.
 */
export const ServiceSource = z.discriminatedUnion('source_type', [
  imageSource,
  dockerfileSource,
  nixpacksSource,
  dockerComposeSource,
]);
export type ServiceSource = z.infer<typeof ServiceSource>;
export type SourceConfig = ServiceSource['source_config'];

/** How a service's source reads back: the registry password is write-only. */
export const ServiceSourceView = z.discriminatedUnion('source_type', [
  sourceVariant('image', ImageSourceConfig.extend({ registry_auth: RegistryAuth.omit({ password: true }).optional() })),
  sourceVariant('dockerfile', DockerfileConfig.extend(buildFieldsView)),
  sourceVariant('nixpacks', z.object(buildFieldsView)),
  sourceVariant('docker_compose', ComposeConfig),
]);
export type ServiceSourceView = z.infer<typeof ServiceSourceView>;

/** A PATCH changes the source with both fields together, or leaves both out. */
export const ServiceSourceChange = z.discriminatedUnion('source_type', [
  imageSource,
  dockerfileSource,
  nixpacksSource,
  dockerComposeSource,
  z.object({ source_type: z.undefined().optional(), source_config: z.undefined().optional() }),
]);
export type ServiceSourceChange = z.infer<typeof ServiceSourceChange>;
