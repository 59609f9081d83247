using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Serialization.Onnx;

namespace PSRnn.Fuzz;

/// <summary>
/// The parsers under fuzzing, each fed one input the way the cmdlets feed a file. The fuzz driver and the test suite's
/// regression replay call the same <see cref="Run"/>, so a fixed crash stays fixed.
/// </summary>
/// <remarks>
/// The documented outcomes of a bad file are <see cref="DataFormatException"/> and <see cref="ModelException"/> (each
/// with a stable ErrorId); they are caught here. Any other exception, a hang or an allocation far beyond the input's
/// size escapes and counts as a finding.
/// </remarks>
public static class FuzzTargets
{
    /// <summary>The target names: the folder names under tests/fixtures/fuzz and the fuzz driver's first argument.</summary>
    public static IReadOnlyList<string> Names { get; } = ["npy", "npz", "wav", "model", "onnx", "keras"];

    /// <summary>Parses <paramref name="data"/> with the named target's parser.</summary>
    /// <param name="target">One of <see cref="Names"/>.</param>
    /// <param name="data">The input file's content.</param>
    /// <param name="scratchPath">A file the HDF5 target may write (the Keras reader reads files, not streams).</param>
    /// <returns>The ErrorId of the documented error the input caused, or null when it parsed.</returns>
    public static string? Run(string target, byte[] data, string scratchPath)
    {
        ArgumentNullException.ThrowIfNull(data);
        try
        {
            Parse(target, data, scratchPath);
            return null;
        }
        catch (DataFormatException e) when (!(target == "keras" && IsReaderBug(e.InnerException)))
        {
            return e.ErrorId;
        }
        catch (ModelException e)
        {
            return e.ErrorId;
        }
    }

    /// <summary>
    /// The Keras reader's last guard turns a runtime exception of its own HDF5 reader into KerasCorrupt (so a user sees a
    /// stable ID); for the fuzzer it is still a bug, so it escapes here.
    /// </summary>
    private static bool IsReaderBug(Exception? inner) =>
        inner is OverflowException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or InvalidDataException;

    private static void Parse(string target, byte[] data, string scratchPath)
    {
        switch (target)
        {
            case "npy":
                using (var stream = new MemoryStream(data, writable: false))
                {
                    NpyFormat.Read(stream, "fuzz.npy");
                }

                // A pipe does not know its length: the same bytes through the unknown-length path.
                using (var pipe = new UnseekableStream(data))
                {
                    NpyFormat.Read(pipe, "fuzz.npy");
                }

                break;
            case "npz":
                using (var stream = new MemoryStream(data, writable: false))
                {
                    NpzFormat.Read(stream, "fuzz.npz");
                }

                break;
            case "wav":
                using (var stream = new MemoryStream(data, writable: false))
                {
                    // Then the features Import-RnnAudio computes: the rate reaches the resampler, the samples the FFT.
                    WavAudio audio = WavReader.Read(stream, "fuzz.wav");
                    var options = new AudioFeatureOptions();
                    AudioFeatures.Compute(AudioFeatures.Prepare(audio, options, "fuzz.wav"), options, "fuzz.wav");
                }

                break;
            case "model":
                using (var stream = new MemoryStream(data, writable: false))
                {
                    ModelFile.FromSafetensors(SafetensorsFile.Read(stream, "fuzz.safetensors"), "fuzz.safetensors");
                }

                break;
            case "onnx":
                OnnxImporter.Import(data, "fuzz.onnx");
                break;
            case "keras":
                File.WriteAllBytes(scratchPath, data);
                KerasHdf5File.Load(scratchPath);
                break;
            default:
                throw new ArgumentException($"Unknown fuzz target '{target}'; one of {string.Join(", ", Names)}.", nameof(target));
        }
    }
}
