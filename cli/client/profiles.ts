import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AuthIdentity } from '../../contracts/api/access.js';
import { UsageError } from '../usage-error.js';
import type { Connection } from './api-client.js';

/*
 * Where the CLI keeps its sign-ins: `$XDG_CONFIG_HOME/syntra` (default ~/.config/syntra), or
 * SYNTRA_CONFIG_DIR. `profiles.json` names each control plane and organization signed in to, and
 * which is current; each profile's token is a file of its own under `tokens/`, mode 600 in a
 * folder of mode 700, so the list can be read or shared without a secret in it.
 */

export const ProfileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a profile name is letters, digits, dots, dashes and underscores');

const Profile = z.object({
  url: z.string().url(),
  organization: AuthIdentity.shape.organization,
  user: AuthIdentity.shape.user,
});
export type Profile = z.infer<typeof Profile>;

const ProfileFile = z.object({
  current: ProfileName.nullable(),
  profiles: z.record(ProfileName, Profile),
});
type ProfileFile = z.infer<typeof ProfileFile>;

export function configDir(): string {
  if (process.env.SYNTRA_CONFIG_DIR) return process.env.SYNTRA_CONFIG_DIR;
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'syntra');
}

const profilesFile = () => path.join(configDir(), 'profiles.json');
const tokenFile = (name: string) => path.join(configDir(), 'tokens', ProfileName.parse(name));

export async function readProfiles(): Promise<ProfileFile> {
  const text = await readFile(profilesFile(), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return { current: null, profiles: {} };
  const parsed = ProfileFile.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UsageError(`${profilesFile()} is not a profile list this CLI can read: fix or remove it, then sign in again`);
  return parsed.data;
}

async function writeProfiles(file: ProfileFile): Promise<void> {
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  await writeFile(profilesFile(), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}

export async function saveProfile(name: string, profile: Profile, token: string): Promise<void> {
  const folder = path.dirname(tokenFile(name));
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  await writeFile(tokenFile(name), `${token}\n`, { mode: 0o600 });
  // A file that existed with looser bits keeps them through writeFile's mode.
  await chmod(tokenFile(name), 0o600);
  const file = await readProfiles();
  await writeProfiles({ current: name, profiles: { ...file.profiles, [name]: profile } });
}

export async function removeProfile(name: string): Promise<boolean> {
  const file = await readProfiles();
  if (!file.profiles[name]) return false;
  const { [name]: _removed, ...profiles } = file.profiles;
  await writeProfiles({ current: file.current === name ? null : file.current, profiles });
  await rm(tokenFile(name), { force: true });
  return true;
}

export async function makeCurrent(name: string): Promise<void> {
  const file = await readProfiles();
  await writeProfiles({ ...file, current: name });
}

export type ActiveConnection = Connection & {
  token: string;
  /** Null when the connection comes from SYNTRA_URL and SYNTRA_TOKEN alone. */
  profile: string | null;
};

/**
 * What a command talks to: SYNTRA_TOKEN (CI) with SYNTRA_URL or the profile's URL, else the named
 * profile (`--profile`, SYNTRA_PROFILE), else the current one.
 */
export async function activeConnection(profileOption: string | undefined): Promise<ActiveConnection> {
  const file = await readProfiles();
  const name = profileOption ?? process.env.SYNTRA_PROFILE ?? file.current;
  const profile = name ? file.profiles[name] : undefined;
  if (name && !profile && (profileOption || process.env.SYNTRA_PROFILE)) throw new UsageError(`No profile named ${name}: \`syntra login --profile ${name}\` makes it`);
  const envToken = process.env.SYNTRA_TOKEN;
  if (envToken) {
    const url = process.env.SYNTRA_URL ?? profile?.url;
    if (!url) throw new UsageError('SYNTRA_TOKEN is set but no control plane is named: set SYNTRA_URL too');
    return { url, token: envToken, profile: null };
  }
  if (!name || !profile) throw new UsageError('Not signed in: run `syntra login --url <control plane>`, or set SYNTRA_URL and SYNTRA_TOKEN');
  const token = (await readFile(tokenFile(name), 'utf8').catch(() => '')).trim();
  if (!token) throw new UsageError(`Profile ${name} has no token: run \`syntra login --profile ${name}\``);
  return { url: process.env.SYNTRA_URL ?? profile.url, token, profile: name };
}
