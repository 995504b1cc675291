// What a run folder holds to replay its simulation by hand (README: Waveforms and replay):
// sim/ with the memory image, the fault file and the plusargs exactly as the simulator got them,
// the testbench and the generated sources with their file list, and replay.sh, which runs the
// same build (the cached one, else one it makes from that file list) on them. No absolute path
// is written: the run folder is found from the script's own place, the cache relative to it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileMap } from '../output-dir.ts';
import { plusargList, simBuildCommand, simDesignSources, simRunCommand, TB_DIR, TB_FILES, type SimBuildInput, type Simulator, type WaveFormat } from '../tools/sim.ts';
import { ENTRY_MANIFEST } from '../tools/sim-cache.ts';
import { GENERATOR_VERSION } from '../version.ts';

/** The simulator's inputs in its working folder, and where a run folder keeps them. */
export const SIM_INPUTS = ['image.bin', 'faults.txt'] as const;
export const REPLAY_DIR = 'sim';
export const REPLAY_SCRIPT = 'replay.sh';

/** A token for the build folder in commands, written as "$build" in the script. */
const BUILD = '@BUILD@';

/** A word for sh: bare when it is safe so, else single-quoted; the build token as "$build". */
export function shellWord(word: string): string {
  if (word.includes(BUILD)) return `"${word.split(BUILD).map(shellInDoubleQuotes).join('$build')}"`;
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function shellInDoubleQuotes(text: string): string {
  return text.replace(/[\\"$`]/g, (c) => `\\${c}`);
}

export interface ReplayInput {
  simulator: Simulator;
  build: Pick<SimBuildInput, 'params' | 'files' | 'waves'>;
  /** The build's folder name in the cache, and the cache relative to the run folder. */
  buildName: string;
  cacheFromRun: string;
  plusargs: Record<string, string | number>;
  waves?: WaveFormat;
  /** With waves: false when the run dumped nothing (its window opened after it ended), so the
   * replay, the same run, dumps nothing either. */
  wavesDumped?: boolean;
}

/**
 * The files of sim/ and replay.sh (the inputs themselves, image and faults, are the caller's:
 * it wrote them for the simulation).
 */
export function replayFiles(input: ReplayInput): FileMap {
  const files: FileMap = new Map();
  const srcPath = (path: string) => `${REPLAY_DIR}/src/${path}`;
  for (const [path, text] of input.build.files) files.set(srcPath(path), text);
  for (const f of TB_FILES) files.set(`${REPLAY_DIR}/tb/${f}`, readFileSync(join(TB_DIR, f), 'utf8'));
  const sources = [...TB_FILES.map((f) => `${REPLAY_DIR}/tb/${f}`), ...simDesignSources(input.build.files).map(srcPath)];
  files.set(`${REPLAY_DIR}/files.f`, sources.join('\n') + '\n');
  files.set(`${REPLAY_DIR}/plusargs.txt`, plusargList(input.plusargs).join('\n') + '\n');
  files.set(REPLAY_SCRIPT, replayScript(input));
  return files;
}

function replayScript(input: ReplayInput): string {
  const buildCmd = simBuildCommand(
    { simulator: input.simulator, params: input.build.params, waves: input.build.waves },
    { include: `${REPLAY_DIR}/src`, out: BUILD, sources: ['-f', `${REPLAY_DIR}/files.f`] },
  );
  const runCmd = simRunCommand(input.simulator, BUILD, [], input.waves);
  const words = (cmd: { tool: string; args: string[] }) => [cmd.tool, ...cmd.args].map(shellWord).join(' ');
  const dumped = input.waves !== undefined && input.wavesDumped !== false;
  const outputs = `${['sim.log', 'dump.hex', ...(dumped ? [`waves.${input.waves}`] : [])].join(', ')}${
    input.waves && !dumped ? `\n# (no waveforms: the run's --waves window opened after it ended, and so does the replay's)` : ''
  }`;
  return `#!/usr/bin/env bash
# Replays the simulation of this run folder (written by synergyflow ${GENERATOR_VERSION}, run on
# ${input.simulator}): the same build of the design on the same memory image (sim/image.bin) with the
# same plusargs (sim/plusargs.txt), so the same cycles, counters and memory read back.
#
#   ./replay.sh [DIR]
#
# DIR (default: a new folder under \${TMPDIR:-/tmp}) gets ${outputs},
# and image.bin and faults.txt (links to sim/'s). It must be new or empty, and outside this run
# folder (which synergyflow wrote, and replaces as a whole): replay.sh overwrites nothing.
# The build is the run's own from the simulator cache ($SYNERGYFLOW_CACHE_DIR if set, else the
# cache the run used, named relative to this folder) when it is there; else it is built into
# DIR/build from sim/files.f (this folder's copies of the testbench and the generated sources).
set -euo pipefail
run=$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd -P)
refuse() {
  echo "replay: DIR \\"$out\\" $1; nothing was written" >&2
  exit 2
}
# The absolute path of $1 without symbolic links, for a path that may not exist yet.
real_path() {
  local path=$1 rest=
  while [ ! -d "$path" ]; do
    rest=/$(basename "$path")$rest
    path=$(dirname "$path")
  done
  printf '%s%s\n' "$(cd "$path" && pwd -P)" "$rest"
}
if [ $# -gt 1 ]; then
  echo "replay: usage: ./replay.sh [DIR]" >&2
  exit 2
fi
if [ $# -eq 1 ]; then
  out=$1
  [ -n "$out" ] || refuse "is empty: give a new or empty folder"
  if { [ -e "$out" ] || [ -L "$out" ]; } && [ ! -d "$out" ]; then
    refuse "is not a folder: give a new or empty folder"
  fi
  case "$(real_path "$out")/" in
    "$run"/*) refuse "is the run folder $run or inside it (synergyflow replaces it as a whole, and refuses it once it holds files of yours): give a folder outside it" ;;
  esac
  if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
    refuse "exists and is not empty: give a new or empty folder (replay.sh overwrites nothing)"
  fi
  mkdir -p "$out"
else
  out=$(mktemp -d "\${TMPDIR:-/tmp}/synergyflow-replay-XXXXXX")
fi
out=$(cd "$out" && pwd -P)
build=\${SYNERGYFLOW_CACHE_DIR:-$run/${shellWord(input.cacheFromRun)}}/${shellWord(input.buildName)}
if [ ! -f "$build/${ENTRY_MANIFEST}" ]; then
  build=$out/build
  if [ ! -f "$build/BUILT" ]; then
    echo "replay: no cached build ${input.buildName}: building it into $build from sim/files.f" >&2
    mkdir -p "$build"
    (cd "$run" && ${words(buildCmd)})
    touch "$build/BUILT"
  fi
fi
echo "replay: simulating with the build in $build" >&2
${SIM_INPUTS.map((f) => `ln -s "$run/${REPLAY_DIR}/${f}" "$out/${f}"`).join('\n')}
plusargs=()
while IFS= read -r arg; do plusargs+=("$arg"); done < "$run/${REPLAY_DIR}/plusargs.txt"
cd "$out"
${words(runCmd)} "\${plusargs[@]}" 2>&1 | tee sim.log
echo "replay: done; the output is in $out" >&2
`;
}
