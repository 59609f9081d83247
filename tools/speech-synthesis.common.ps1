<#
.SYNOPSIS
    What the espeak-ng dataset makers share (tools/make-speech-digits.ps1, tools/make-digit-strings.ps1): the tools, the
    noise code, the voices, the voice variants, the speakers, the delivery (speed, pitch, amplitude, noise) and the
    synthesis loop. Dot-source it from a maker, after its param block: . (Join-Path $PSScriptRoot 'speech-synthesis.common.ps1')
.DESCRIPTION
    Dot-sourcing checks for espeak-ng (installing it with apt-get when missing and running as root), imports the built
    module, compiles SpeechDigitsNoise (WAV reading and writing, trimming, noise) and sets the tables:
        $candidates  the voices tried (Id, Espeak, Accent, Family, English)   $classes  the words "zero" … "nine"
        $variants    espeak-ng's voice variants, less four duplicates          $speeds, $pitches, $amplitudes, $noises, $snrs
    Then, in the maker's order (each draws from the one seeded generator, so the order is part of the dataset):
        Get-SpeechVoices        the candidates that pass the listen-free duration check
        New-SpeechSpeakers      voices × variants, with the speaker-disjoint test split
        Get-SpeechDelivery      one utterance's speed, pitch, amplitude, noise, SNR, margin and noise seed
        Set-SpeechBabble        the babble track
        Invoke-SpeechSynthesis  espeak-ng and the noise for every planned utterance
    Never uses flite or festival: they are kept for an independent check of trained models.
#>

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

    // espeak-ng's own voice echo (wavegen.c: each output sample fed back after the delay at amp/256, amp at most 100):
    // y[n] = x[n] + gain·y[n − D], run on for two delays past the end, then scaled back to the input's peak.
    public static void Echo(string input, string output, int delayMs, double gain)
    {
        short[] x = ReadPcm16(input, out int rate);
        int d = delayMs * rate / 1000;
        var y = new double[x.Length + 2 * d];
        double peakIn = 1, peakOut = 1;
        for (int n = 0; n < y.Length; n++)
        {
            double v = n < x.Length ? x[n] : 0;
            if (n < x.Length) peakIn = Math.Max(peakIn, Math.Abs(v));
            if (n >= d) v += gain * y[n - d];
            y[n] = v; peakOut = Math.Max(peakOut, Math.Abs(v));
        }
        double scale = peakIn / peakOut;
        var s = new short[y.Length];
        for (int n = 0; n < y.Length; n++) s[n] = (short)Math.Clamp(Math.Round(y[n] * scale), short.MinValue, short.MaxValue);
        WritePcm16(output, s, rate);
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

# Voice variants: every one espeak-ng lists (espeak-ng --voices=variant), less four that sound exactly as another
# (Mr and fast as no variant at a speed we set ourselves, caleb and klatt6 as klatt), in sorted order (dealt out by
# New-SpeechSpeakers from a seeded shuffle).
$duplicates = 'Mr', 'fast', 'caleb', 'klatt6'
$variants = @(& espeak-ng --voices=variant | Select-Object -Skip 1 | ForEach-Object { if ($_ -match '!v/(\S+)') { $Matches[1] } } |
    Where-Object { $_ -and $_ -notin $duplicates } | Sort-Object -Culture '')
$speeds = 100, 120, 140, 160, 175, 190, 210, 230, 250, 280           # espeak-ng -s, words per minute (175 is its default)
$pitches = 5, 15, 25, 35, 45, 50, 55, 65, 75, 85, 95                  # espeak-ng -p, 0-99 (50 is its default)
$amplitudes = 40, 70, 100, 130, 160, 190                              # espeak-ng -a, 0-200 (100 is its default; loud ones clip)
$noises = 'white', 'pink', 'brown', 'babble', 'hum'
$snrs = 5, 8, 10, 12, 15, 18, 20, 25, 30, 35, 40                      # dB below the speech's RMS (babble: 10 dB and up)

function Get-SpeechVoices {
    # Listen-free check of each voice's reading: the ten words at espeak-ng's defaults, their speech timed against en-us's.
    # A voice is rejected when any word is under 0.4 or over 2 times as long (es spells "two" out, "te uve doble o": 2.5×).
    param([string] $WorkFolder)
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
    foreach ($v in $candidates) {
        $ratios = foreach ($digit in 0..9) { $seconds[$v.Id][$digit] / $seconds['en-us'][$digit] }
        $worst = $ratios | Sort-Object { [Math]::Abs([Math]::Log($_)) } | Select-Object -Last 1
        if ($worst -lt 0.4 -or $worst -gt 2) {
            Write-Host ("Rejected voice {0} ({1}): a word takes {2:n2}× en-us's time" -f $v.Id, $v.Accent, $worst)
        } else { $v }
    }
}

function New-SpeechSpeakers {
    # Speakers: an English voice with -EnglishVariants variants (a sixth held out), another language's voice with
    # -OtherVariants (a fifth held out). Variants are dealt from the shuffled list, reshuffled when it runs out, never
    # twice to one voice. Returns the list (id, voice, espeak, variant, accent, family, test).
    param($Voices, [Random] $Rng, [int] $EnglishVariants, [int] $OtherVariants)
    $speakers = [Collections.Generic.List[object]]::new()
    $deck = [Collections.Generic.Queue[string]]::new()
    foreach ($v in $Voices) {
        $count = if ($v.English) { $EnglishVariants } else { $OtherVariants }
        $mine = [Collections.Generic.List[string]]::new()
        while ($mine.Count -lt $count) {
            if ($deck.Count -eq 0) { foreach ($name in ($variants | Sort-Object { $Rng.Next() })) { $deck.Enqueue($name) } }
            $name = $deck.Dequeue()
            if (-not $mine.Contains($name)) { $mine.Add($name) }
        }
        $testCount = if ($v.English) { [int][Math]::Floor($EnglishVariants / 6) } else { [int][Math]::Floor($OtherVariants / 5) }
        $testVariants = $mine | Sort-Object { $Rng.Next() } | Select-Object -First $testCount
        foreach ($variant in $mine) {
            $speakers.Add([pscustomobject]@{
                    id = $speakers.Count; voice = $v.Id; espeak = "$($v.Espeak)+$variant"; variant = $variant; accent = $v.Accent
                    family = $v.Family; test = $variant -in $testVariants
                })
        }
    }
    , $speakers
}

function New-SpeechExtraSpeakers {
    # Training-only speakers beyond -Speakers: per voice, -PerVoice variants it has no speaker with (drawn from a shuffle
    # of espeak-ng's variants on -Rng), so no extra speaker is a voice and variant pair of the dataset. Returns the list
    # (id, voice, espeak, variant, accent, family).
    param($Voices, $Speakers, [Random] $Rng, [int] $PerVoice)
    $extra = [Collections.Generic.List[object]]::new()
    foreach ($v in $Voices) {
        $used = @($Speakers | Where-Object voice -EQ $v.Id | ForEach-Object variant)
        $free = @($variants | Where-Object { $_ -notin $used } | Sort-Object { $Rng.Next() })
        foreach ($variant in @($free | Select-Object -First $PerVoice)) {
            $extra.Add([pscustomobject]@{
                    id = $extra.Count; voice = $v.Id; espeak = "$($v.Espeak)+$variant"; variant = $variant; accent = $v.Accent
                    family = $v.Family
                })
        }
    }
    , $extra
}

function Get-SpeechDelivery {
    # One utterance's delivery, drawn in this order: speed, pitch, amplitude, noise, SNR, margin (s of noise before and
    # after the speech), the noise's own seed.
    param([Random] $Rng)
    $d = [ordered]@{
        Speed = $speeds[$Rng.Next($speeds.Count)]; Pitch = $pitches[$Rng.Next($pitches.Count)]
        Amplitude = $amplitudes[$Rng.Next($amplitudes.Count)]; Noise = $Rng.Next($noises.Count)
    }
    # Babble is speech: at 5-8 dB the other talkers are as clear as the digit, so it starts at 10 dB.
    $d.Snr = if ($noises[$d.Noise] -eq 'babble') { $snrs[2 + $Rng.Next($snrs.Count - 2)] } else { $snrs[$Rng.Next($snrs.Count)] }
    $d.Margin = 0.03 + 0.01 * $Rng.Next(6); $d.NoiseSeed = $Rng.Next()
    $d
}

function Set-SpeechBabble {
    # Babble: sentences without digits read by drawn voices and variants at drawn speeds and pitches, six talking at once.
    param($Voices, [Random] $Rng, [string] $WorkFolder)
    $babbleText = 'The quick brown fox jumps over the lazy dog.', 'She sells sea shells by the sea shore.',
    'Please call Stella and ask her to bring these things with her from the store.', 'A large red kite flew above the old harbour wall.',
    'We walked along the river until the rain began to fall.', 'Could you pass the salt and the pepper, please?',
    'The library closes early on the last day of the month.', 'Birds were singing in the garden behind the house.'
    $babbleFolder = Join-Path $WorkFolder 'babble'
    $null = New-Item -ItemType Directory -Force -Path $babbleFolder
    $babbleFiles = for ($k = 0; $k -lt 16; $k++) {
        $voice = @($Voices)[$Rng.Next(@($Voices).Count)]; $variant = $variants[$Rng.Next($variants.Count)]
        $wav = Join-Path $babbleFolder "babble-$k.wav"
        & espeak-ng -v "$($voice.Espeak)+$variant" -s $speeds[$Rng.Next($speeds.Count)] -p $pitches[$Rng.Next($pitches.Count)] -w $wav $babbleText[$k % $babbleText.Count]
        if ($LASTEXITCODE -ne 0) { throw 'espeak-ng failed on the babble.' }
        $wav
    }
    [SpeechDigitsNoise]::SetBabble([string[]] $babbleFiles, 6, 30, $Rng.Next())
}

function Invoke-SpeechSynthesis {
    # Speaks each planned utterance (Voice, Speed, Pitch, Amplitude, Text) with espeak-ng into CleanPath, then cuts it
    # to its speech with its Margin and mixes in its Noise at its Snr into Path. -w writes a proper header (--stdout's
    # is bogus); 22,050 Hz, 16-bit mono.
    param([object[]] $Plan, [string] $Activity)
    $done = 0
    foreach ($u in $Plan) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $u.CleanPath), (Split-Path -Parent $u.Path)
        & espeak-ng -v $u.Voice -s $u.Speed -p $u.Pitch -a $u.Amplitude -w $u.CleanPath $u.Text
        if ($LASTEXITCODE -ne 0) { throw "espeak-ng failed for $($u.Voice) '$($u.Text)'." }
        $null = [SpeechDigitsNoise]::Corrupt($u.CleanPath, $u.Path, $noises[$u.Noise], $u.Snr, $u.Margin, $u.NoiseSeed)
        if ((++$done % 100) -eq 0) {
            Write-Progress -Activity $Activity -Status "$done of $($Plan.Count)" -PercentComplete (100 * $done / $Plan.Count)
        }
    }
    Write-Progress -Activity $Activity -Completed
}
