#!/usr/bin/env node
// Entry point of the synergyflow command: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../generator/cli/main.ts');
