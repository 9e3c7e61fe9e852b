#!/usr/bin/env node
// The `syntra` command. Sources are TypeScript run through tsx's loader, so a clone runs as is.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
