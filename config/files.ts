import { readFile } from 'node:fs/promises';

/** A file of the data folder as text, or null when it does not exist (any other failure throws). */
export async function readFileIfPresent(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
