#Requires -Version 7.4
<#
.SYNOPSIS
    Makes PSRnn's embedded spoken-digit dataset: examples/data/speech-digits.npz (+ .json) and a few of its WAV files.
.DESCRIPTION
    Synthesizes the words "zero" … "nine" with espeak-ng (a Debian package) over many voices and voice variants, adds
    background noise, and turns every utterance into features with PSRnn's own Import-RnnAudio, exactly as a user would:

        Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Stack   (13 MFCC)

    Every utterance keeps its own frames (one per 10 ms, none cut): they are padded with zeros after the speech to the
    longest utterance, and the real frames of each are stored beside them, so a model that starts with Add-MaskingLayer
    (mask value 0) skips the padding. No real frame is all zeros (checked after the float16 rounding), so the mask the
    layer finds is exactly the lengths.

    Voices. Every English voice espeak-ng 1.51 has without MBROLA (en-gb, en-gb-x-rp, en-gb-x-gbclan, en-gb-x-gbcwmd,
    en-gb-scotland, en-us, en-us-nyc, en-029; en-uk and the en-* MBROLA voices are MBROLA, not installed, so skipped),
    and 24 voices of other languages reading the English words with their own phonology: Afrikaans, German, Dutch,
    Swedish, Danish, Norwegian, Icelandic; French, Italian, Portuguese, Romanian, Catalan; Welsh, Irish, Scottish
    Gaelic; Polish, Czech, Slovak, Croatian; Finnish, Hungarian, Estonian, Latvian, Lithuanian. A listen-free check
    keeps a voice only if each of its ten words lasts 0.4 to 2 times as long as en-us's: Spanish (a candidate) spells
    "two" out ("te uve doble o", 2.5×) and is rejected. Voices that read Latin-script English with the English voice
    itself (ru, el, hi, vi switch to English for every word: espeak-ng -x shows "(en)") are not candidates.
    Each voice belongs to one of ten accent families, for leave-one-accent-out (tools/Measure-AccentHoldout.ps1):
    British (en-gb, RP), Northern English (Lancaster, West Midlands), Scottish, American (en-us, New York City),
    Caribbean, Germanic-L1, Romance-L1, Celtic-L1, Slavic-L1, Uralic-Baltic-L1.

    Speakers. A speaker is one voice with one of espeak-ng's voice variants (espeak-ng --voices=variant: 102, less Mr
    and fast, which sound as no variant at a speed we set, and caleb and klatt6, which sound as klatt), dealt out from a
    seeded shuffle so the whole list spreads over the voices: -EnglishVariants (24) per English voice and
    -OtherVariants (10) per other voice, 432 speakers. en-gb is given to espeak-ng as 'en' (the same voice file):
    espeak-ng 1.51 ignores a variant after 'en-gb', so "en-gb+f3" sounds exactly as "en-gb".

    Utterances. Each speaker says each digit -Renditions times (1 by default: 4,320 utterances), every time at a speed
    (-s, 100-280 words per minute), pitch (-p, 5-95) and amplitude (-a, 40-190; the loudest clip) drawn from a seeded
    generator, then with white, pink, brown, babble or mains-hum noise mixed in at a signal-to-noise ratio of 5-40 dB
    (babble 10-40 dB; also drawn). Babble is six talkers at once: sentences without digits read by drawn voices and
    variants. The clean synthesis is cut to its speech (espeak-ng leaves 0.3-0.5 s of trailing silence) with 30-80 ms
    of margin before the noise goes on, so the margins are noise, not digital silence.

    Split. Speaker-disjoint: for each voice, a sixth of its English variants (4 of 24) or a fifth of the others (2 of
    10), drawn, are test speakers, so 80 of 432 speakers (800 utterances) never appear in training. The npz records it
    per utterance ('test', 'speaker'); the JSON gives every speaker its voice, variant, accent and family.

    Output (examples/data, committed):
      speech-digits.npz   x (N, T, 13) float16 — per-utterance normalized MFCCs, zero-padded after the speech to the
                          longest utterance's T frames; lengths (N,) int16 — each utterance's real frames;
                          y (N,) int8 — the digit; speaker (N,) int16 — index into the JSON's speakers;
                          test (N,) bool — the held-out speakers' utterances; noise (N,) int8 — the noise, an index into
                          the JSON's recipe.noises; snr (N,) int8 — its SNR in dB; saved deflated (np.savez_compressed).
                          Padding is nearly free: deflate packs the zero frames to almost nothing, so the file costs about
                          2 bytes a real value (4.4 MiB for 4,320 utterances of 14-139 frames).
      speech-digits.json  classes, families, speakers (voice, espeak-ng voice, variant, accent, family, test), the
                          recipe (with the rejected voices) and the counts.
      speech-digits-wav/<digit>/*.wav   two utterances a digit from test speakers (22,050 Hz, 16-bit), to show
                          Import-RnnAudio on real files.

    Deterministic: the same -Seed and espeak-ng version give the same arrays and files (only the npz entries' time
    stamps differ; the noise uses its own seeded generator per utterance, so the order in which files are made does
    not matter). espeak-ng writes 22,050 Hz WAV files;
    they are written with -w (its --stdout header carries a bogus size). 1.5 to 3 minutes on 2 cores (85 s quiet, 187 s busy).
    Never uses flite or festival: they are kept for an independent check of the trained model.

    Needs: espeak-ng (installed with apt-get when missing and running as root) and the built module
    (dotnet pwsh ./build.ps1 -Task Build).
.PARAMETER Renditions
    How many times each speaker says each digit (each with its own speed, pitch, amplitude and noise).
.PARAMETER EnglishVariants
    Voice variants (speakers) per English voice; a sixth of them are held out.
.PARAMETER OtherVariants
    Voice variants (speakers) per other language's voice; a fifth of them are held out.
.PARAMETER Seed
    The seed of every random choice: variants, speeds, pitches, amplitudes, noise, babble, margins, test speakers.
.PARAMETER OutputFolder
    Where the npz, json and sample WAV folder go (examples/data by default).
.PARAMETER WorkFolder
    Where all WAV files are written (a temporary folder by default, removed at the end unless -KeepWork).
.EXAMPLE
    dotnet pwsh ./tools/make-speech-digits.ps1
.EXAMPLE
    dotnet pwsh ./tools/make-speech-digits.ps1 -WorkFolder /tmp/digits -KeepWork    # keep all 4,320 WAV files
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 10)] [int] $Renditions = 1,
    [ValidateRange(6, 98)] [int] $EnglishVariants = 24,
    [ValidateRange(5, 98)] [int] $OtherVariants = 10,
    [int] $Seed = 2024,
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../examples/data'),
    [string] $WorkFolder = (Join-Path ([IO.Path]::GetTempPath()) "psrnn-speech-digits-$PID"),
    [switch] $KeepWork
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$clock = [Diagnostics.Stopwatch]::StartNew()

# --- tools -------------------------------------------------------------------------------------------------------------
if (-not (Get-Command espeak-ng -ErrorAction Ignore)) {
    if ($IsLinux -and (Get-Command apt-get -ErrorAction Ignore) -and ((id -u) -eq '0')) {
        Write-Host 'Installing espeak-ng (apt-get) ...'
        apt-get update -qq | Out-Null
        apt-get install -y -qq espeak-ng | Out-Null
    }
    if (-not (Get-Command espeak-ng -ErrorAction Ignore)) { throw 'espeak-ng is needed: apt-get install espeak-ng (Debian/Ubuntu).' }
}
$module = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
if (-not (Test-Path -LiteralPath $module)) { throw "Build the module first: dotnet pwsh ./build.ps1 -Task Build ($module is missing)." }
Import-Module $module -Force

# Trimming and noise in C#: a PowerShell loop over ~30 million samples would take many minutes.
Add-Type -TypeDefinition @'
using System;
using System.IO;

public static class SpeechDigitsNoise
{
    // Reads espeak-ng's 16-bit mono PCM WAV (a canonical 44-byte header written with -w).
    public static short[] ReadPcm16(string path, out int rate)
    {
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 44 || b[0] != 'R' || b[8] != 'W') throw new InvalidDataException(path + " is not a WAV file");
        rate = BitConverter.ToInt32(b, 24);
        int pos = 12, dataStart = -1, dataLen = 0;
        while (pos + 8 <= b.Length)
        {
            string id = System.Text.Encoding.ASCII.GetString(b, pos, 4);
            int len = BitConverter.ToInt32(b, pos + 4);
            if (id == "data") { dataStart = pos + 8; dataLen = Math.Min(len < 0 ? int.MaxValue : len, b.Length - dataStart); break; }
            pos += 8 + len + (len & 1);
        }
        if (dataStart < 0) throw new InvalidDataException(path + " has no data chunk");
        var s = new short[dataLen / 2];
        Buffer.BlockCopy(b, dataStart, s, 0, s.Length * 2);
        return s;
    }

    public static void WritePcm16(string path, short[] s, int rate)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8); w.Write(36 + s.Length * 2); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(s.Length * 2);
        var bytes = new byte[s.Length * 2];
        Buffer.BlockCopy(s, 0, bytes, 0, bytes.Length);
        w.Write(bytes);
    }

    // The first (row·steps + frame) whose being all zeros disagrees with the lengths (frames from lengths[row] on are
    // padding), or -1: the mask a Masking layer (mask value 0) finds in x is then exactly the lengths.
    public static long FirstMaskMismatch(Half[] x, int steps, int width, int[] lengths)
    {
        for (int row = 0; row < lengths.Length; row++)
        {
            for (int t = 0; t < steps; t++)
            {
                bool zero = true;
                for (int c = 0; c < width && zero; c++) zero = (float)x[(((long)row * steps) + t) * width + c] == 0f;
                if (zero != (t >= lengths[row])) return ((long)row * steps) + t;
            }
        }
        return -1;
    }

    // The speech's first and last 10 ms frame (within floorDb of the loudest frame), or (-1, -1) for silence.
    static (int First, int Last) SpeechFrames(short[] clean, int hop, double floorDb)
    {
        int frames = Math.Max(1, clean.Length / hop);
        var rms = new double[frames];
        double loudest = 0;
        for (int f = 0; f < frames; f++)
        {
            double sum = 0; int n = 0;
            for (int i = f * hop; i < Math.Min(clean.Length, (f + 1) * hop); i++, n++) sum += (double)clean[i] * clean[i];
            rms[f] = n == 0 ? 0 : Math.Sqrt(sum / n);
            loudest = Math.Max(loudest, rms[f]);
        }
        double floor = loudest * Math.Pow(10, -floorDb / 20.0);
        return (Array.FindIndex(rms, r => r > floor), Array.FindLastIndex(rms, r => r > floor));
    }

    // Seconds of speech in a WAV file (frames within 40 dB of the loudest): the voices' listen-free check.
    public static double SpeechSeconds(string path)
    {
        short[] clean = ReadPcm16(path, out int rate);
        var (first, last) = SpeechFrames(clean, rate / 100, 40);
        return first < 0 ? 0 : (last - first + 1) / 100.0;
    }

    static double[] babble = Array.Empty<double>();

    // Babble: `talkers` voices at once, each reading the given sentences (WAV files) in its own seeded order with
    // short pauses, summed into one track of `seconds` that Corrupt reads from a random offset.
    public static void SetBabble(string[] paths, int talkers, int seconds, int seed)
    {
        var sentences = new short[paths.Length][];
        int rate = 0;
        for (int p = 0; p < paths.Length; p++)
        {
            short[] s = ReadPcm16(paths[p], out rate);
            var (first, last) = SpeechFrames(s, rate / 100, 50);
            int hop = rate / 100;
            sentences[p] = s[(first * hop)..Math.Min(s.Length, (last + 1) * hop)];
        }
        var rng = new Random(seed);
        var track = new double[seconds * rate];
        for (int t = 0; t < talkers; t++)
        {
            int pos = -rng.Next(rate);           // each talker starts at its own moment
            while (pos < track.Length)
            {
                short[] s = sentences[rng.Next(sentences.Length)];
                for (int i = 0; i < s.Length; i++) if (pos + i >= 0 && pos + i < track.Length) track[pos + i] += s[i];
                pos += s.Length + rng.Next(rate / 10, rate / 3);
            }
        }
        babble = track;
    }

    // Cuts the clean synthesis to its speech (10 ms frames within 50 dB of the loudest) plus margins, then adds
    // white, pink, brown, babble or hum noise at snrDb below the speech's RMS. Returns the number of samples written.
    public static int Corrupt(string input, string output, string kind, double snrDb, double marginSeconds, int seed)
    {
        short[] clean = ReadPcm16(input, out int rate);
        int hop = rate / 100;
        var (first, last) = SpeechFrames(clean, hop, 50);
        if (first < 0) throw new InvalidDataException(input + " is silent");
        int margin = (int)(marginSeconds * rate);
        int start = Math.Max(0, first * hop - margin), end = Math.Min(clean.Length, (last + 1) * hop + margin);

        double speechSum = 0; int speechN = 0;
        for (int i = first * hop; i < Math.Min(clean.Length, (last + 1) * hop); i++, speechN++) speechSum += (double)clean[i] * clean[i];
        double speechRms = Math.Sqrt(speechSum / Math.Max(1, speechN));

        var rng = new Random(seed);
        int length = end - start;
        var noise = new double[length];
        double b0 = 0, b1 = 0, b2 = 0, brown = 0;
        int offset = kind == "babble" ? rng.Next(babble.Length - length) : 0;
        double mains = rng.Next(2) == 0 ? 50 : 60, phase = rng.NextDouble() * 2 * Math.PI;
        for (int i = 0; i < length; i++)
        {
            // Gaussian white noise (Box–Muller), coloured by Kellet's economy pink filter or a leaky integrator.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double white = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            switch (kind)
            {
                case "pink":
                    b0 = 0.99765 * b0 + white * 0.0990460; b1 = 0.96300 * b1 + white * 0.2965164; b2 = 0.57000 * b2 + white * 1.0526913;
                    noise[i] = b0 + b1 + b2 + white * 0.1848; break;
                case "brown":
                    brown = 0.995 * brown + white * 0.1; noise[i] = brown; break;
                case "babble":
                    noise[i] = babble[offset + i]; break;
                case "hum":
                    // Mains hum: 50 or 60 Hz and its first harmonics (amplitude 1/k), over a faint hiss.
                    double h = 0;
                    for (int k = 1; k <= 6; k++) h += Math.Sin(2 * Math.PI * k * mains * i / rate + k * phase) / k;
                    noise[i] = h + 0.05 * white; break;
                default:
                    noise[i] = white; break;
            }
        }
        double noiseSum = 0;
        foreach (double v in noise) noiseSum += v * v;
        double gain = speechRms / Math.Pow(10, snrDb / 20) / Math.Sqrt(noiseSum / length);

        var mixed = new short[length];
        for (int i = 0; i < length; i++)
            mixed[i] = (short)Math.Clamp(Math.Round(clean[start + i] + gain * noise[i]), short.MinValue, short.MaxValue);
        WritePcm16(output, mixed, rate);
        return length;
    }
}
'@

# --- the voices: espeak-ng's English voices, and other languages' voices reading the English words ----------------
# Id (as the file names and the JSON name it), the -v argument, the accent and its family (for leave-one-accent-out).
# en-gb is given as 'en' (the same voice file, gmw/en): espeak-ng 1.51 ignores a variant after 'en-gb' ("en-gb+f3"
# sounds exactly as "en-gb"), so the old dataset's twelve en-gb speakers were one voice at different speeds and pitches.
$candidates = @'
en-gb           en              British English           British
en-gb-x-rp      en-gb-x-rp      Received Pronunciation    British
en-gb-x-gbclan  en-gb-x-gbclan  Lancaster English         Northern English
en-gb-x-gbcwmd  en-gb-x-gbcwmd  West Midlands English     Northern English
en-gb-scotland  en-gb-scotland  Scottish English          Scottish
en-us           en-us           American English          American
en-us-nyc       en-us-nyc       New York City English     American
en-029          en-029          Caribbean English         Caribbean
af              af              Afrikaans                 Germanic-L1
de              de              German                    Germanic-L1
nl              nl              Dutch                     Germanic-L1
sv              sv              Swedish                   Germanic-L1
da              da              Danish                    Germanic-L1
nb              nb              Norwegian                 Germanic-L1
is              is              Icelandic                 Germanic-L1
fr              fr              French                    Romance-L1
it              it              Italian                   Romance-L1
pt              pt              Portuguese                Romance-L1
ro              ro              Romanian                  Romance-L1
ca              ca              Catalan                   Romance-L1
es              es              Spanish                   Romance-L1
cy              cy              Welsh                     Celtic-L1
ga              ga              Irish                     Celtic-L1
gd              gd              Scottish Gaelic           Celtic-L1
pl              pl              Polish                    Slavic-L1
cs              cs              Czech                     Slavic-L1
sk              sk              Slovak                    Slavic-L1
hr              hr              Croatian                  Slavic-L1
fi              fi              Finnish                   Uralic-Baltic-L1
hu              hu              Hungarian                 Uralic-Baltic-L1
et              et              Estonian                  Uralic-Baltic-L1
lv              lv              Latvian                   Uralic-Baltic-L1
lt              lt              Lithuanian                Uralic-Baltic-L1
'@ -split '\r?\n' | ForEach-Object {
    $f = $_ -split '\s{2,}'
    [pscustomobject]@{ Id = $f[0]; Espeak = $f[1]; Accent = $f[2]; Family = $f[3]; English = $f[0] -like 'en*' }
}
$classes = 'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'

# Listen-free check of each voice's reading: the ten words at espeak-ng's defaults, their speech timed against en-us's.
# A voice is rejected when any word is under 0.4 or over 2 times as long (es spells "two" out, "te uve doble o": 2.5×).
$checkFolder = Join-Path $WorkFolder 'check'
$null = New-Item -ItemType Directory -Force -Path $checkFolder
$seconds = @{}
foreach ($v in $candidates) {
    $seconds[$v.Id] = foreach ($digit in 0..9) {
        $wav = Join-Path $checkFolder "$($v.Id)-$digit.wav"
        & espeak-ng -v $v.Espeak -w $wav $classes[$digit]
        if ($LASTEXITCODE -ne 0) { throw "espeak-ng has no voice '$($v.Espeak)'." }
        [SpeechDigitsNoise]::SpeechSeconds($wav)
    }
}
$voices = foreach ($v in $candidates) {
    $ratios = foreach ($digit in 0..9) { $seconds[$v.Id][$digit] / $seconds['en-us'][$digit] }
    $worst = $ratios | Sort-Object { [Math]::Abs([Math]::Log($_)) } | Select-Object -Last 1
    if ($worst -lt 0.4 -or $worst -gt 2) {
        Write-Host ("Rejected voice {0} ({1}): a word takes {2:n2}× en-us's time" -f $v.Id, $v.Accent, $worst)
    } else { $v }
}

# Voice variants: every one espeak-ng lists (espeak-ng --voices=variant), less four that sound exactly as another
# (Mr and fast as no variant at a speed we set ourselves, caleb and klatt6 as klatt), dealt out in a seeded order.
$duplicates = 'Mr', 'fast', 'caleb', 'klatt6'
$variants = @(& espeak-ng --voices=variant | Select-Object -Skip 1 | ForEach-Object { if ($_ -match '!v/(\S+)') { $Matches[1] } } |
    Where-Object { $_ -and $_ -notin $duplicates } | Sort-Object -Culture '')
$speeds = 100, 120, 140, 160, 175, 190, 210, 230, 250, 280           # espeak-ng -s, words per minute (175 is its default)
$pitches = 5, 15, 25, 35, 45, 50, 55, 65, 75, 85, 95                  # espeak-ng -p, 0-99 (50 is its default)
$amplitudes = 40, 70, 100, 130, 160, 190                              # espeak-ng -a, 0-200 (100 is its default; loud ones clip)
$noises = 'white', 'pink', 'brown', 'babble', 'hum'
$snrs = 5, 8, 10, 12, 15, 18, 20, 25, 30, 35, 40                      # dB below the speech's RMS (babble: 10 dB and up)
$rng = [Random]::new($Seed)

# Speakers: an English voice with -EnglishVariants variants (2 held out), another language's voice with
# -OtherVariants (1 held out). Variants are dealt from the shuffled list, reshuffled when it runs out, never twice to one voice.
$speakers = [Collections.Generic.List[object]]::new()
$deck = [Collections.Generic.Queue[string]]::new()
foreach ($v in $voices) {
    $count = if ($v.English) { $EnglishVariants } else { $OtherVariants }
    $mine = [Collections.Generic.List[string]]::new()
    while ($mine.Count -lt $count) {
        if ($deck.Count -eq 0) { foreach ($name in ($variants | Sort-Object { $rng.Next() })) { $deck.Enqueue($name) } }
        $name = $deck.Dequeue()
        if (-not $mine.Contains($name)) { $mine.Add($name) }
    }
    $testCount = if ($v.English) { [int][Math]::Floor($EnglishVariants / 6) } else { [int][Math]::Floor($OtherVariants / 5) }
    $testVariants = $mine | Sort-Object { $rng.Next() } | Select-Object -First $testCount
    foreach ($variant in $mine) {
        $speakers.Add([pscustomobject]@{
                id = $speakers.Count; voice = $v.Id; espeak = "$($v.Espeak)+$variant"; variant = $variant; accent = $v.Accent
                family = $v.Family; test = $variant -in $testVariants
            })
    }
}
$families = @($voices.Family | Select-Object -Unique)

$plan = foreach ($s in $speakers) {
    foreach ($digit in 0..9) {
        foreach ($r in 1..$Renditions) {
            [pscustomobject]@{
                Speaker = $s.id; Voice = $s.espeak; Digit = $digit; Word = $classes[$digit]
                Speed = $speeds[$rng.Next($speeds.Count)]; Pitch = $pitches[$rng.Next($pitches.Count)]
                Amplitude = $amplitudes[$rng.Next($amplitudes.Count)]
                Noise = ($noise = $rng.Next($noises.Count))
                # Babble is speech: at 5-8 dB the other talkers are as clear as the digit, so it starts at 10 dB.
                Snr = if ($noises[$noise] -eq 'babble') { $snrs[2 + $rng.Next($snrs.Count - 2)] } else { $snrs[$rng.Next($snrs.Count)] }
                Margin = 0.03 + 0.01 * $rng.Next(6); NoiseSeed = $rng.Next()
                Name = '{0:d3}-{1}-{2}-r{3}.wav' -f $s.id, $s.voice, $s.variant, $r
            }
        }
    }
}
Write-Host ("{0} speakers ({1} voices in {2} accent families, {3} of espeak-ng's variants; {4} held out), {5} utterances" -f
    $speakers.Count, @($voices).Count, $families.Count, @($speakers.variant | Sort-Object -Unique).Count,
    @($speakers | Where-Object test).Count, @($plan).Count)

# Babble: sentences without digits read by other speakers (voices and variants drawn), six talking at once.
$babbleText = 'The quick brown fox jumps over the lazy dog.', 'She sells sea shells by the sea shore.',
'Please call Stella and ask her to bring these things with her from the store.', 'A large red kite flew above the old harbour wall.',
'We walked along the river until the rain began to fall.', 'Could you pass the salt and the pepper, please?',
'The library closes early on the last day of the month.', 'Birds were singing in the garden behind the house.'
$babbleFolder = Join-Path $WorkFolder 'babble'
$null = New-Item -ItemType Directory -Force -Path $babbleFolder
$babbleFiles = for ($k = 0; $k -lt 16; $k++) {
    $voice = @($voices)[$rng.Next(@($voices).Count)]; $variant = $variants[$rng.Next($variants.Count)]
    $wav = Join-Path $babbleFolder "babble-$k.wav"
    & espeak-ng -v "$($voice.Espeak)+$variant" -s $speeds[$rng.Next($speeds.Count)] -p $pitches[$rng.Next($pitches.Count)] -w $wav $babbleText[$k % $babbleText.Count]
    if ($LASTEXITCODE -ne 0) { throw 'espeak-ng failed on the babble.' }
    $wav
}
[SpeechDigitsNoise]::SetBabble([string[]] $babbleFiles, 6, 30, $rng.Next())

# --- synthesis and noise ---------------------------------------------------------------------------------------------
$cleanFolder = Join-Path $WorkFolder 'clean'
$noisyFolder = Join-Path $WorkFolder 'wav'
foreach ($d in 0..9) { $null = New-Item -ItemType Directory -Force -Path (Join-Path $noisyFolder $d), (Join-Path $cleanFolder $d) }
$done = 0
foreach ($u in $plan) {
    $clean = Join-Path $cleanFolder $u.Digit $u.Name
    $noisy = Join-Path $noisyFolder $u.Digit $u.Name
    # -w writes a proper header (--stdout's is bogus); 22,050 Hz, 16-bit mono.
    & espeak-ng -v $u.Voice -s $u.Speed -p $u.Pitch -a $u.Amplitude -w $clean $u.Word
    if ($LASTEXITCODE -ne 0) { throw "espeak-ng failed for $($u.Voice) '$($u.Word)'." }
    $null = [SpeechDigitsNoise]::Corrupt($clean, $noisy, $noises[$u.Noise], $u.Snr, $u.Margin, $u.NoiseSeed)
    if ((++$done % 100) -eq 0) {
        Write-Progress -Activity 'Synthesizing digits' -Status "$done of $(@($plan).Count)" -PercentComplete (100 * $done / @($plan).Count)
    }
}
Write-Progress -Activity 'Synthesizing digits' -Completed
Write-Host ("synthesized in {0:n0} s" -f $clock.Elapsed.TotalSeconds)

# --- features: the module's own Import-RnnAudio, in the plan's order ------------------------------------------------
$files = foreach ($u in $plan) { Join-Path $noisyFolder $u.Digit $u.Name }
$data = $files | Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack
if (($data.Classes -join ',') -ne '0,1,2,3,4,5,6,7,8,9') { throw "Unexpected classes: $($data.Classes -join ',')" }
for ($i = 0; $i -lt $files.Count; $i++) {
    if ($data.Paths[$i] -ne $files[$i]) { throw "Import-RnnAudio changed the order at row $i." }
}

$n = $files.Count
# float16 keeps ~3 significant digits, plenty for normalized MFCCs; rounding is the point, so no warning.
$x = ConvertTo-RnnTensor -InputObject $data.X -DType Float16 -WarningAction Ignore
$lengths = ConvertTo-RnnTensor -InputObject ([short[]] $data.Lengths) -DType Int16
# The mask a Masking layer finds must be the lengths: padding after each utterance is all zeros, and no real frame is
# all zeros, not even after rounding to float16 (a normalized frame would have to sit at its utterance's mean on all 13).
$steps = $x.Shape[1]
$bad = [SpeechDigitsNoise]::FirstMaskMismatch([Half[]] $x.Data, $steps, $x.Shape[2], [int[]] $data.Lengths)
if ($bad -ge 0) { throw "Row $([Math]::Floor($bad / $steps)), frame $($bad % $steps): zero frames do not match the lengths." }
$y = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan.Digit)) -DType Int8
$speaker = ConvertTo-RnnTensor -InputObject ([short[]] @($plan.Speaker)) -DType Int16
$test = ConvertTo-RnnTensor -InputObject ([bool[]] @($plan | ForEach-Object { $speakers[$_.Speaker].test })) -DType Bool
$noise = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan.Noise)) -DType Int8
$snr = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan.Snr)) -DType Int8

$null = New-Item -ItemType Directory -Force -Path $OutputFolder
$npz = Join-Path $OutputFolder 'speech-digits.npz'
Export-NpyData -Path $npz -InputObject ([ordered]@{
        x = $x; lengths = $lengths; y = $y; speaker = $speaker; test = $test; noise = $noise; snr = $snr
    }) -Compress -Force

$durations = foreach ($f in $files) { (Get-Item -LiteralPath $f).Length / 2 / 22050 }
$meta = [ordered]@{
    description = 'Spoken digits zero-nine synthesized with espeak-ng, with background noise; made by tools/make-speech-digits.ps1.'
    features    = 'Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack (16 kHz, 25 ms frames, 10 ms hop)'
    arrays      = [ordered]@{
        x       = "float16 (N, $steps, 13): per-utterance normalized MFCCs, zero-padded after the speech to the longest utterance (Add-MaskingLayer skips the padding)"
        lengths = 'int16 (N): the real frames of each row of x (the rest of the row is zeros)'
        y       = 'int8 (N): the digit, an index into classes'
        speaker = 'int16 (N): an index into speakers'
        test    = 'bool (N): true for the held-out speakers (speaker-disjoint split)'
        noise   = 'int8 (N): the background noise, an index into recipe.noises'
        snr     = 'int8 (N): its signal-to-noise ratio in dB'
    }
    classes     = $classes
    families    = $families
    counts      = [ordered]@{
        utterances = $n; speakers = $speakers.Count; voices = @($voices).Count; families = $families.Count
        variants = @($speakers.variant | Sort-Object -Unique).Count
        testSpeakers = @($speakers | Where-Object test).Count; testUtterances = @($plan | Where-Object { $speakers[$_.Speaker].test }).Count
        meanSeconds = [math]::Round(($durations | Measure-Object -Average).Average, 3)
        maxSeconds = [math]::Round(($durations | Measure-Object -Maximum).Maximum, 3)
        meanFrames = [math]::Round(($data.Lengths | Measure-Object -Average).Average, 1)
        minFrames = [int] ($data.Lengths | Measure-Object -Minimum).Minimum; maxFrames = $steps
    }
    recipe      = [ordered]@{
        seed = $Seed; renditions = $Renditions; englishVariants = $EnglishVariants; otherVariants = $OtherVariants
        speeds = $speeds; pitches = $pitches; amplitudes = $amplitudes; noises = $noises; snrDb = $snrs
        rejectedVoices = @($candidates | Where-Object { $_.Id -notin $voices.Id } | ForEach-Object Id)
        espeakNg = ((& espeak-ng --version) -join ' ')
    }
    speakers    = $speakers
}
$json = Join-Path $OutputFolder 'speech-digits.json'
$meta | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $json -Encoding utf8NoBOM

# A handful of WAV files, two a digit, from test speakers of different accents: to show Import-RnnAudio on files.
$wavOut = Join-Path $OutputFolder 'speech-digits-wav'
if (Test-Path -LiteralPath $wavOut) { Remove-Item -LiteralPath $wavOut -Recurse -Force }
$testSpeakers = @($speakers | Where-Object test)
foreach ($digit in 0..9) {
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $wavOut $digit)
    foreach ($k in 0, 1) {
        $s = $testSpeakers[(2 * $digit + 11 * $k) % $testSpeakers.Count]
        $u = $plan | Where-Object { $_.Speaker -eq $s.id -and $_.Digit -eq $digit } | Select-Object -First 1
        Copy-Item -LiteralPath (Join-Path $noisyFolder $digit $u.Name) -Destination (Join-Path $wavOut $digit $u.Name)
    }
}

if (-not $KeepWork) { Remove-Item -LiteralPath $WorkFolder -Recurse -Force }
$size = (Get-Item -LiteralPath $npz).Length
Write-Host ("{0}: {1} utterances, {2:n2} MiB; {3}; sample WAVs in {4}; done in {5:n0} s" -f $npz, $n, ($size / 1MB), $json,
    $wavOut, $clock.Elapsed.TotalSeconds)
