#!/usr/bin/env bash
# Reproduces the fuzzing run of PSRnn's parsers (README "Reliability"): builds fuzz/PSRnn.Fuzz, instruments
# PSRnn.Engine.dll with SharpFuzz, seeds each target from tests/fixtures (and the regression corpus
# tests/fixtures/fuzz/<target>), then runs AFL++ on each target in turn, niced, for a fixed time.
#
#   fuzz/Invoke-Fuzz.sh [seconds-per-target] [target…]      # default 600 s, targets npy npz wav model onnx keras
#
# Needs Debian's afl++ (apt-get install afl++) and `dotnet tool restore` (SharpFuzz.CommandLine is pinned in
# .config/dotnet-tools.json). Findings land in out/fuzz/<target>/default/{crashes,hangs}; a summary line per target
# (executions, corpus paths, crashes, hangs, seconds since the last new path) is printed and kept in out/fuzz/summary.tsv.
# Each finding becomes a fixed bug and a file under tests/fixtures/fuzz/<target>/, which the xunit suite replays.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy npz wav model onnx keras)
out="$root/out/fuzz"
bin="$out/bin"
fixtures="$root/tests/fixtures"

cd "$root"
dotnet tool restore >/dev/null
rm -rf "$bin"
dotnet publish fuzz/PSRnn.Fuzz/PSRnn.Fuzz.csproj -c Release -o "$bin" --nologo -v quiet
dotnet sharpfuzz "$bin/PSRnn.Engine.dll"
# The Keras target's HDF5 parsing is PSRnn's own (Serialization/Hdf5, in PSRnn.Engine.dll): PureHDF is no longer on its path.

seeds() {
    # Small fixture files only: AFL mutates small inputs far faster, and these cover every format's variants.
    case "$1" in
        npy) find "$fixtures/npy" -name '*.npy' -size -2k ;;
        npz) find "$fixtures/npy" -name '*.npz' -size -8k ;;
        wav) find "$fixtures/audio/good" "$fixtures/audio/bad" -name '*.wav' -size -8k ;;
        model) find "$fixtures/models" -name '*.safetensors' ;;
        onnx) find "$fixtures/onnx" -name '*.onnx' -size -12k ;;
        # keras: also the hostile files (fixtures/keras/hostile: links, external storage, virtual datasets, chunks).
        keras) find "$fixtures/keras" -name '*.h5' -size -24k ;;
    esac
    [ -d "$fixtures/fuzz/$1" ] && find "$fixtures/fuzz/$1" -type f ! -name '*.md'
    return 0
}

printf 'target\texecutions\tpaths\tcrashes\thangs\tcycles\tseconds_since_last_find\n' > "$out/summary.tsv"
for target in "${targets[@]}"; do
    input="$out/$target/seeds"
    findings="$out/$target"
    rm -rf "$findings"
    mkdir -p "$input"
    seeds "$target" | sort -u | while read -r f; do cp "$f" "$input/$(basename "$f")"; done
    # A hard GC heap limit turns an allocation out of proportion to the input (AFL's inputs are at most 1 MiB) into an
    # OutOfMemoryException, which AFL records as a crash. -t: a parse that takes 5 s on such an input is a hang.
    AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    DOTNET_GCHeapHardLimit=0x20000000 DOTNET_TieredPGO=0 DOTNET_gcServer=0 \
        nice -n 19 afl-fuzz -V "$seconds" -i "$input" -o "$findings" -t 5000 -m none -- \
        dotnet "$bin/PSRnn.Fuzz.dll" "$target" > "$findings/afl.log" 2>&1 || true
    stats="$findings/default/fuzzer_stats"
    value() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
    now=$(value last_update)
    last=$(value last_find)
    since=$(( last > 0 ? now - last : now - $(value start_time) ))
    line="$target	$(value execs_done)	$(value corpus_count)	$(value saved_crashes)	$(value saved_hangs)	$(value cycles_done)	$since"
    echo "$line" | tee -a "$out/summary.tsv"
done
