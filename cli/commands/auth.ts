import type { Command } from 'commander';
import type { AuthIdentity } from '../../contracts/api/access.js';
import { apiClient } from '../client/api-client.js';
import { makeCurrent, ProfileName, readProfiles, removeProfile, saveProfile } from '../client/profiles.js';
import { signInWithLink } from '../client/login-link.js';
import { colors, printJson, printLine, printTable } from '../terminal/output.js';
import { ask, askSecret, interactive, readAllStdin } from '../terminal/prompt.js';
import { UsageError } from '../usage-error.js';
import { connect, type GlobalOptions } from './session.js';

/* Signing in and out, and which control plane and organization the next command talks to. */

interface LoginOptions {
  url?: string;
  token?: string;
  tokenStdin?: boolean;
  link?: string;
}

async function tokenFor(options: LoginOptions, url: string): Promise<string> {
  if (options.token) return options.token;
  if (options.tokenStdin) return (await readAllStdin()).trim();
  if (options.link) return signInWithLink(url, options.link);
  if (process.env.SYNTRA_TOKEN) return process.env.SYNTRA_TOKEN;
  if (interactive()) return askSecret(`User token for ${url} (syn_usr_…): `);
  throw new UsageError('No token given: pass --token, --token-stdin, --link <sign-in link>, or set SYNTRA_TOKEN');
}

async function urlFor(options: LoginOptions, profileName: string | undefined): Promise<string> {
  if (options.url) return options.url;
  if (options.link) return new URL(options.link).origin;
  if (process.env.SYNTRA_URL) return process.env.SYNTRA_URL;
  const known = profileName ? (await readProfiles()).profiles[profileName] : undefined;
  if (known) return known.url;
  if (interactive()) return ask('Control plane URL (e.g. https://syntra.example.com): ');
  throw new UsageError('No control plane named: pass --url or set SYNTRA_URL');
}

function describe(identity: AuthIdentity, url: string, profile: string | null): string {
  const who = identity.user.name ? `${identity.user.name} <${identity.user.email}>` : identity.user.email;
  const where = `${identity.organization.name} (${identity.organization.slug})`;
  return `${who}, ${identity.role} in ${where} at ${url}${profile ? colors.dim(` [profile ${profile}]`) : ''}`;
}

export function registerAuthCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('login')
    .description('sign in to a control plane with a user token, and keep it as a profile')
    .option('--url <url>', 'the control plane (default: SYNTRA_URL, or the profile\'s)')
    .option('--token <token>', 'a user token (syn_usr_…); visible to other users of this machine while it runs')
    .option('--token-stdin', 'read the token from standard input (CI)')
    .option('--link <url>', 'a one-time sign-in link from your organization: the CLI makes itself a token with it')
    .addHelpText('after', '\nExamples:\n  syntra login --url https://syntra.example.com\n  echo "$SYNTRA_TOKEN" | syntra login --url https://syntra.example.com --token-stdin\n  syntra login --link https://syntra.example.com/api/v1/auth/link/…')
    .action(async (options: LoginOptions) => {
      const requestedName = globals().profile;
      if (requestedName !== undefined && !ProfileName.safeParse(requestedName).success) {
        throw new UsageError(`${requestedName} cannot name a profile: use letters, digits, dots, dashes and underscores`);
      }
      const url = (await urlFor(options, requestedName)).replace(/\/+$/, '');
      const token = await tokenFor(options, url);
      const identity = await apiClient({ url, token }).call('getMe');
      const name = requestedName ?? identity.organization.slug;
      const existing = (await readProfiles()).profiles[name];
      if (existing && existing.url !== url && requestedName === undefined) {
        throw new UsageError(`A profile named ${name} already signs in to ${existing.url}: name this one with --profile`);
      }
      await saveProfile(name, { url, organization: identity.organization, user: identity.user }, token);
      process.stderr.write(`Signed in as ${describe(identity, url, name)}\n`);
    });

  program
    .command('logout')
    .description("forget the current profile's token on this machine (the token itself stays valid until revoked)")
    .action(async () => {
      const file = await readProfiles();
      const name = globals().profile ?? process.env.SYNTRA_PROFILE ?? file.current;
      if (!name || !(await removeProfile(name))) throw new UsageError('Not signed in: nothing to log out of');
      process.stderr.write(`Logged out of profile ${name}\n`);
    });

  program
    .command('whoami')
    .description('who the token signs in as, in which organization, at which control plane')
    .option('--json', 'the API\'s identity resource')
    .action(async (options: { json?: boolean }) => {
      const api = await connect(globals());
      const identity = await api.call('getMe');
      if (options.json) printJson({ ...identity, url: api.url, profile: api.profile });
      else printLine(describe(identity, api.url, api.profile));
    });

  program
    .command('switch')
    .argument('[organization]', 'an organization\'s slug, name or id; none: list the profiles')
    .description('make the profile of another organization the current one')
    .action(async (organization: string | undefined) => {
      const file = await readProfiles();
      if (!organization) {
        printTable(
          ['', 'PROFILE', 'ORGANIZATION', 'USER', 'URL'],
          Object.entries(file.profiles).map(([name, profile]) => [name === file.current ? '*' : '', name, profile.organization.slug, profile.user.email, profile.url]),
        );
        return;
      }
      // A profile's own name wins over organizations that several profiles sign in to.
      const named = file.profiles[organization] ? [[organization, file.profiles[organization]] as const] : [];
      const matches = named.length > 0 ? named : Object.entries(file.profiles).filter(([, { organization: org }]) => [org.slug, org.id, org.name].includes(organization));
      if (matches.length > 1) throw new UsageError(`${organization} names ${matches.length} profiles (${matches.map(([name]) => name).join(', ')}): switch by profile name`);
      const [match] = matches;
      if (match) {
        await makeCurrent(match[0]);
        process.stderr.write(`Now using profile ${match[0]}: ${match[1].organization.name} at ${match[1].url}\n`);
        return;
      }
      // A token acts in one organization: another one needs a sign-in of its own.
      const api = await connect(globals());
      const mine = await api.call('listMyOrganizations');
      const member = mine.find((org) => [org.slug, org.id, org.name].includes(organization));
      if (!member) throw new UsageError(`You are not a member of an organization named ${organization} at ${api.url}`);
      throw new UsageError(`No profile signs in to ${member.name} yet: make a user token in it, then \`syntra login --url ${api.url} --profile ${member.slug}\``);
    });
}
