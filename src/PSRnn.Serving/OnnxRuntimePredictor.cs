using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Training;

namespace PSRnn.Serving;

/// <summary>
/// A model exported to ONNX (<see cref="OnnxExporter"/>) and run by ONNX Runtime: what <see cref="Trainer.Predict"/>
/// returns, computed by another engine and on whatever hardware its execution provider drives. One session per model and
/// settings is kept (weakly, with the model) and reused while the model's layers and weights are unchanged, so a script
/// that predicts in a loop exports and compiles the graph once.
/// </summary>
/// <remarks>Not thread-safe: one prediction on a predictor at a time (ONNX Runtime's Run is, but the batch buffers are not).</remarks>
public sealed class OnnxRuntimePredictor : IDisposable
{
    /// <summary>The error ID when the native library has no such execution provider (or its device cannot be used).</summary>
    public const string ProviderUnavailableErrorId = "OnnxRuntimeProviderUnavailable";

    /// <summary>The error ID when ONNX Runtime refuses the exported model or fails running it.</summary>
    public const string FailedErrorId = "OnnxRuntimeFailed";

    private static readonly ConditionalWeakTable<Sequential, OnnxRuntimePredictor> Cache = [];
    private static readonly object CacheGate = new();

    private readonly InferenceSession _session;
    private readonly bool _tokens;
    private readonly int _inputRank;
    private readonly float[] _weights;
    private readonly string _layout;
    private readonly OnnxRuntimeSettings _settings;

    private OnnxRuntimePredictor(Sequential model, OnnxRuntimeSettings settings, InferenceSession session)
    {
        _session = session;
        _settings = settings;
        _weights = model.SnapshotWeights();
        _layout = Layout(model);
        NodeMetadata input = session.InputMetadata[OnnxExporter.InputName];
        _tokens = input.ElementDataType == TensorElementType.Int64;
        _inputRank = input.Dimensions.Length;
    }

    /// <summary>The execution providers the loaded native library was built with (CPUExecutionProvider, CUDAExecutionProvider, …).</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>
    /// The predictor for <paramref name="model"/> under <paramref name="settings"/>: the one made before when the model's
    /// layers, weights and the settings are the same, else a new one (the model exported, a session created).
    /// </summary>
    /// <exception cref="ModelException">The model does not export (<see cref="OnnxExporter.UnsupportedErrorId"/>), the provider
    /// is not available (<see cref="ProviderUnavailableErrorId"/>), or ONNX Runtime refuses the graph (<see cref="FailedErrorId"/>).</exception>
    public static OnnxRuntimePredictor For(Sequential model, OnnxRuntimeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        lock (CacheGate)
        {
            if (Cache.TryGetValue(model, out OnnxRuntimePredictor? cached) && cached.Matches(model, settings))
            {
                return cached;
            }
        }

        OnnxRuntimePredictor made = Create(model, settings);
        lock (CacheGate)
        {
            if (Cache.TryGetValue(model, out OnnxRuntimePredictor? old))
            {
                old.Dispose();
            }

            Cache.AddOrUpdate(model, made);
        }

        return made;
    }

    /// <summary>A new predictor, not cached: the model exported and a session created with the settings' provider.</summary>
    public static OnnxRuntimePredictor Create(Sequential model, OnnxRuntimeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        byte[] graph;
        using (var stream = new MemoryStream())
        {
            OnnxExporter.Export(model, stream);
            graph = stream.ToArray();
        }

        SessionOptions options = new();
        try
        {
            options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
            // ONNX Runtime writes its warnings to the console (stderr): a script's output is no place for them; errors
            // come back as exceptions, which become PSRnn's errors.
            options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
            if (settings.ThreadCount is int threads)
            {
                options.IntraOpNumThreads = threads;
                options.InterOpNumThreads = 1;
            }

            AppendProvider(options, settings);
            InferenceSession session;
            try
            {
                session = new InferenceSession(graph, options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelException(ProviderFailure(e) ? ProviderUnavailableErrorId : FailedErrorId,
                    $"ONNX Runtime could not load the exported model with {settings.Provider}: {e.Message}", e);
            }

            return new OnnxRuntimePredictor(model, settings, session);
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>
    /// The model's outputs for every sample of <paramref name="data"/>, laid out as <see cref="Trainer.Predict"/> lays
    /// them out: sample-major, then step (per-step outputs), then feature.
    /// </summary>
    /// <exception cref="ModelException">ONNX Runtime failed running the graph (<see cref="FailedErrorId"/>).</exception>
    public float[] Predict(Dataset data, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(data);
        batchSize = Math.Clamp(batchSize, 1, Math.Max(1, data.Count));
        var batch = new Activations();
        int[] indices = new int[batchSize];
        float[]? result = null;
        long perSample = 0;
        using var runOptions = new RunOptions();
        string[] inputNames = [OnnxExporter.InputName], outputNames = [OnnxExporter.OutputName];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < size; i++)
            {
                indices[i] = start + i;
            }

            data.Gather(indices.AsSpan(0, size), batch, null);
            // Token ids for an Embedding arrive as one "step" of T features: the graph wants (N, T).
            long[] shape = _inputRank == 2 ? [size, (long)batch.Time * batch.Features] : [size, batch.Time, batch.Features];
            using OrtValue input = _tokens ? TokenValue(batch, shape) : OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, batch.Buffer.AsMemory(0, batch.Length), shape);
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try
            {
                outputs = _session.Run(runOptions, inputNames, [input], outputNames);
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelException(FailedErrorId, $"ONNX Runtime failed on samples {start}–{start + size - 1}: {e.Message}", e);
            }

            using (outputs)
            {
                ReadOnlySpan<float> y = outputs[0].GetTensorDataAsSpan<float>();
                if (result is null)
                {
                    perSample = y.Length / size;
                    result = new float[perSample * data.Count];
                }

                y.CopyTo(result.AsSpan((int)(start * perSample), (int)(size * perSample)));
            }
        }

        return result ?? [];
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    private static OrtValue TokenValue(Activations batch, long[] shape)
    {
        // An Embedding model's graph takes int64 ids; the dataset holds them as floats (exact below 2^24).
        long[] ids = new long[batch.Length];
        ReadOnlySpan<float> x = batch.Span;
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = (long)x[i];
        }

        return OrtValue.CreateTensorValueFromMemory(ids, shape);
    }

    private static void AppendProvider(SessionOptions options, OnnxRuntimeSettings settings)
    {
        string provider = settings.Provider;
        Dictionary<string, string> values = new(settings.ProviderOptions, StringComparer.Ordinal);
        try
        {
            switch (provider.ToUpperInvariant())
            {
                case "CPU":
                    // ONNX Runtime's default provider; options would be silently ignored, so refuse them.
                    if (values.Count > 0)
                    {
                        throw new ModelException(ProviderUnavailableErrorId, "The CPU execution provider takes no provider options.");
                    }

                    break;
                case "CUDA":
                    using (var cuda = new OrtCUDAProviderOptions())
                    {
                        values.TryAdd("device_id", settings.DeviceId.ToString(CultureInfo.InvariantCulture));
                        cuda.UpdateOptions(values);
                        options.AppendExecutionProvider_CUDA(cuda);
                    }

                    break;
                case "DIRECTML" or "DML":
                    options.AppendExecutionProvider_DML(settings.DeviceId);
                    break;
                case "TENSORRT":
                    options.AppendExecutionProvider_Tensorrt(settings.DeviceId);
                    break;
                case "ROCM":
                    options.AppendExecutionProvider_ROCm(settings.DeviceId);
                    break;
                case "MIGRAPHX":
                    options.AppendExecutionProvider_MIGraphX(settings.DeviceId);
                    break;
                case "DNNL":
                    options.AppendExecutionProvider_Dnnl(1);
                    break;
                default:
                    // OpenVINO, CoreML, XNNPACK, QNN, WebGPU, …: the generic entry point, with the options as given.
                    options.AppendExecutionProvider(provider, values);
                    break;
            }
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or NotSupportedException)
        {
            throw new ModelException(ProviderUnavailableErrorId,
                $"The execution provider '{provider}' is not available: {e.Message} This ONNX Runtime build has " +
                $"{string.Join(", ", AvailableProviders)}; a GPU provider needs ONNX Runtime's GPU build (set $env:{OnnxRuntimeLibrary.EnvironmentVariable} to its library).", e);
        }
    }

    private static bool ProviderFailure(OnnxRuntimeException e) =>
        e.Message.Contains("provider", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("CUDA", StringComparison.Ordinal);

    private static string Layout(Sequential model) =>
        string.Join("|", model.Layers.Select(l => l.KerasClassName + ":" + l.Name + ":" + l.OutputShape));

    private bool Matches(Sequential model, OnnxRuntimeSettings settings)
    {
        if (!_settings.Equals(settings) || _layout != Layout(model))
        {
            return false;
        }

        // Compared in place: a copy of every weight per call would cost what a small model's prediction does.
        int offset = 0;
        foreach (Parameter p in model.Parameters)
        {
            if (offset + p.Length > _weights.Length || !p.Value.AsSpan().SequenceEqual(_weights.AsSpan(offset, p.Length)))
            {
                return false;
            }

            offset += p.Length;
        }

        return offset == _weights.Length;
    }
}
