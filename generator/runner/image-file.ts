// Converts between the compiler's byte image and the simulator's files: $fread fills each memory
// word from big-endian bytes, and $writememh dumps one hex word a line.
import { MemImage } from '../compiler/layout.ts';

/** The image as $fread wants it: each bus word's bytes reversed. */
export function toFreadBytes(bytes: Uint8Array, busBytes: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let w = 0; w < bytes.length; w += busBytes) {
    for (let b = 0; b < busBytes; b++) out[w + b] = bytes[w + busBytes - 1 - b];
  }
  return out;
}

export class DumpError extends Error {}

/**
 * Parses a $writememh dump (optionally with @address lines and comments) into a memory image.
 * `firstWord` is the memory word the dump starts at (an @address is absolute). A word holding
 * unknown (X or Z) bits, which the hardware wrote from undefined data, or a word outside the
 * dumped range is a DumpError: the run reports it as a hardware error.
 */
export function parseMemDump(text: string, busBytes: number, words: number, laneBytes: 1 | 2, firstWord: number): MemImage {
  const mem = new MemImage(words * busBytes, laneBytes);
  let index = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    for (const token of line.split(/\s+/)) {
      if (token.startsWith('@')) {
        index = parseInt(token.slice(1), 16) - firstWord;
        continue;
      }
      if (/[xXzZ]/.test(token)) throw new DumpError(`memory word ${index + firstWord} (byte address ${(index + firstWord) * busBytes}) holds unknown bits (${token}): the hardware wrote undefined data there`);
      if (index < 0 || index >= words) throw new DumpError(`the memory dump names word ${index + firstWord}, outside the dumped range`);
      const hex = token.padStart(busBytes * 2, '0');
      for (let b = 0; b < busBytes; b++) {
        mem.bytes[index * busBytes + b] = parseInt(hex.slice(hex.length - 2 * (b + 1), hex.length - 2 * b), 16);
      }
      index++;
    }
  }
  return mem;
}
