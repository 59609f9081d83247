using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// PSRnn's model file: one safetensors file that Python's <c>safetensors</c> opens. Tensors (F32, Keras shapes):
/// <c>layers.&lt;i&gt;.&lt;parameter&gt;</c> (<c>layers.&lt;i&gt;.forward.kernel</c>, <c>….backward.…</c> for Bidirectional);
/// with optimizer state <c>optimizer.layers.&lt;i&gt;.&lt;parameter&gt;.&lt;slot&gt;</c>; in a checkpoint
/// <c>checkpoint.order</c> (I32) and <c>checkpoint.best_weights</c>. <c>__metadata__</c> (strings): <c>format</c>
/// (<see cref="FormatName"/>), <c>format_version</c>, <c>model_config</c> (Keras-style JSON: name, input shape, seed,
/// each layer's class name and get_config), <c>training_config</c> (JSON: loss, history, random generator states,
/// optimizer hyper-parameters and iterations), <c>audio_recipe</c> when the model has an <see cref="Audio.AudioRecipe"/>, <c>text_recipe</c> when it has a <see cref="Text.TextRecipe"/> and, in a checkpoint, <c>checkpoint</c> (JSON: epochs done, shuffle
/// state, early stopping, the run's settings).
/// </summary>
/// <remarks>
/// Loading parses and checks everything — header, configuration, every tensor's presence, dtype and shape — before the
/// model is handed out; a bad file raises a <see cref="DataFormatException"/> and yields nothing. Read back, a model
/// predicts bit for bit as the saved one, and (with its optimizer state) trains on exactly as it would have.
/// </remarks>
public static class ModelFile
{
    /// <summary>The value of the <c>format</c> metadata entry.</summary>
    public const string FormatName = "psrnn.sequential";

    /// <summary>The format version written, and the only one read.</summary>
    public const string FormatVersion = "1";

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="model">The model.</param>
    /// <param name="includeOptimizerState">Also save the optimizer: hyper-parameters, iterations and every slot.</param>
    /// <param name="overwrite">Whether an existing file is replaced (else <see cref="IOException"/>).</param>
    public static void Save(string path, Sequential model, bool includeOptimizerState, bool overwrite) =>
        SafetensorsFile.Save(path, ToSafetensors(model, includeOptimizerState), overwrite);

    /// <summary>Saves a training checkpoint (model, optimizer state and the run's state), replacing the file atomically.</summary>
    public static void SaveCheckpoint(string path, Sequential model, FitState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        SafetensorsFile.Save(path, ToSafetensors(model, includeOptimizerState: true, state), overwrite: true);
    }

    /// <summary>Reads a model file (a checkpoint's run state is ignored).</summary>
    /// <exception cref="DataFormatException">The file is not a valid PSRnn model file.</exception>
    public static Sequential Load(string path) => LoadWithState(path).Model;

    /// <summary>Reads a model file with the checkpoint state it may hold.</summary>
    /// <exception cref="DataFormatException">The file is not a valid PSRnn model file.</exception>
    public static LoadedModel LoadWithState(string path) => FromSafetensors(SafetensorsFile.Load(path), path);

    /// <summary>The safetensors content for <paramref name="model"/> (and a checkpoint's <paramref name="checkpoint"/>).</summary>
    /// <exception cref="ModelException">The model has no layers, or optimizer state was asked for a model never trained.</exception>
    public static SafetensorsFile ToSafetensors(Sequential model, bool includeOptimizerState, FitState? checkpoint = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.EnsureNotEmpty();
        var tensors = new List<SafetensorsTensor>();
        var paths = ParameterPaths(model);
        IReadOnlyList<Parameter> parameters = model.Parameters;
        for (int i = 0; i < parameters.Count; i++)
        {
            tensors.Add(SafetensorsTensor.FromSingle(paths[i], parameters[i].Shape, parameters[i].Value));
        }

        Optimizer? optimizer = null;
        if (includeOptimizerState)
        {
            optimizer = model.Optimizer ?? throw new ModelException("ModelNoOptimizerState",
                $"Model '{model.Name}' has not been trained, so it has no optimizer state to save; save it without the optimizer state.");
            foreach (OptimizerSlot slot in optimizer.GetState(parameters))
            {
                tensors.Add(SafetensorsTensor.FromSingle($"optimizer.{paths[slot.ParameterIndex]}.{slot.SlotName}",
                    parameters[slot.ParameterIndex].Shape, slot.Values));
            }
        }

        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion,
            ["model_config"] = Json(w => WriteModelConfig(w, model)),
            ["training_config"] = Json(w => WriteTrainingConfig(w, model, paths, optimizer)),
        };
        if (model.AudioRecipe is { } recipe)
        {
            metadata[AudioRecipeConfig.Key] = Json(w => AudioRecipeConfig.Write(w, recipe));
        }

        if (model.TextRecipe is { } text)
        {
            metadata[TextRecipeConfig.Key] = Json(w => TextRecipeConfig.Write(w, text));
        }

        if (checkpoint is not null)
        {
            metadata["checkpoint"] = Json(w => WriteCheckpoint(w, checkpoint));
            if (checkpoint.Order is { } order)
            {
                var bytes = new byte[order.Count * 4];
                for (int i = 0; i < order.Count; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), order[i]);
                }

                tensors.Add(new SafetensorsTensor("checkpoint.order", "I32", [order.Count], bytes));
            }

            if (checkpoint.BestWeights is { } best)
            {
                tensors.Add(SafetensorsTensor.FromSingle("checkpoint.best_weights", [best.Count], best.ToArray()));
            }
        }

        return new SafetensorsFile(tensors, metadata);
    }

    /// <summary>Rebuilds the model a safetensors file describes, checking everything first.</summary>
    /// <param name="file">The file's content.</param>
    /// <param name="fileName">The file name for messages, or null.</param>
    /// <exception cref="DataFormatException">The content is not a valid PSRnn model (ErrorIds <c>Model…</c>).</exception>
    public static LoadedModel FromSafetensors(SafetensorsFile file, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            return new ModelReader(file).Read();
        }
        catch (ModelConfigException e)
        {
            throw new DataFormatException(e.ErrorId, e.ErrorId switch
            {
                "ModelUnknownFormatVersion" or "ModelUnknownLayer" or "ModelTensorDtypeUnsupported" => DataErrorKind.InvalidType,
                "ModelTooLarge" or "ModelTooManyLayers" or "ModelExceedsMemory" => DataErrorKind.LimitsExceeded,
                _ => DataErrorKind.InvalidData,
            }, fileName, e.Message, e);
        }
    }

    /// <summary>
    /// Puts the state of <paramref name="source"/> (read from a checkpoint) into <paramref name="target"/>, a model of the
    /// same architecture and seed: weights, trainable flags, dropout generators, history, loss and optimizer.
    /// </summary>
    /// <exception cref="ModelException"><c>ResumeModelMismatch</c>: the models differ in architecture or seed; nothing is changed.</exception>
    public static void RestoreInto(Sequential target, Sequential source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        string Architecture(Sequential m) => Json(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("layers");
            JsonConfig.Write(w, m.Layers.Select(l => l.GetConfig()).ToArray());
            w.WriteString("input", m.InputShape.ToString());
            w.WriteString("seed", m.Seed.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
        });
        if (Architecture(target) != Architecture(source))
        {
            throw new ModelException("ResumeModelMismatch",
                $"Model '{target.Name}' differs from the checkpoint's model '{source.Name}' in its layers, input shape or seed; " +
                "resume without piping a model (the checkpoint's is used), or pipe the model the checkpoint was made from.");
        }

        IReadOnlyList<Parameter> from = source.Parameters, to = target.Parameters;
        for (int i = 0; i < from.Count; i++)
        {
            from[i].Value.CopyTo(to[i].Value, 0);
            to[i].MarkChanged();
            to[i].Trainable = from[i].Trainable;
        }

        for (int l = 0; l < source.Layers.Count; l++)
        {
            IReadOnlyList<Rng> a = source.Layers[l].RandomStreams, b = target.Layers[l].RandomStreams;
            for (int s = 0; s < a.Count && s < b.Count; s++)
            {
                b[s].SetState(a[s].GetState());
            }
        }

        target.ReplaceHistory(source.History);
        target.StreamsUsed = source.StreamsUsed;
        target.AudioRecipe = source.AudioRecipe ?? target.AudioRecipe;
        target.TextRecipe = source.TextRecipe ?? target.TextRecipe;
        target.Loss = source.Loss;
        target.Optimizer = source.Optimizer;
    }

    /// <summary>The file name of each parameter, in <see cref="Sequential.Parameters"/> order: <c>layers.0.kernel</c>, ….</summary>
    public static IReadOnlyList<string> ParameterPaths(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var paths = new List<string>();
        for (int l = 0; l < model.Layers.Count; l++)
        {
            foreach (string name in model.Layers[l].ParameterNames)
            {
                paths.Add(string.Create(CultureInfo.InvariantCulture, $"layers.{l}.{name}"));
            }
        }

        return paths;
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A sample shape as Keras writes one: [time, features] (time null when it varies) or [features], after a null batch axis when asked.</summary>
    internal static void WriteShape(Utf8JsonWriter w, SampleShape shape, bool batchAxis)
    {
        w.WriteStartArray();
        if (batchAxis)
        {
            w.WriteNullValue();
        }

        if (shape.IsSequence)
        {
            if (shape.Time is { } t)
            {
                w.WriteNumberValue(t);
            }
            else
            {
                w.WriteNullValue();
            }
        }

        w.WriteNumberValue(shape.Features);
        w.WriteEndArray();
    }

    private static void WriteModelConfig(Utf8JsonWriter w, Sequential model)
    {
        w.WriteStartObject();
        w.WriteString("class_name", "Sequential");
        w.WriteStartObject("config");
        w.WriteString("name", model.Name);
        // Keras's input shape without the batch axis: [time, features] (time null when it varies), or [tokens].
        w.WritePropertyName("input_shape");
        WriteShape(w, model.InputShape, batchAxis: false);
        w.WriteString("seed", model.Seed.ToString(CultureInfo.InvariantCulture));
        w.WriteStartArray("layers");
        foreach (Layer layer in model.Layers)
        {
            w.WriteStartObject();
            w.WriteString("class_name", layer.KerasClassName);
            w.WritePropertyName("config");
            JsonConfig.Write(w, layer.GetConfig());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteTrainingConfig(Utf8JsonWriter w, Sequential model, IReadOnlyList<string> paths, Optimizer? optimizer)
    {
        w.WriteStartObject();
        w.WriteString("streams_used", model.StreamsUsed.ToString(CultureInfo.InvariantCulture));
        w.WriteStartArray("random_state");
        foreach (Layer layer in model.Layers)
        {
            w.WriteStartArray();
            foreach (Rng rng in layer.RandomStreams)
            {
                WriteRng(w, rng.GetState());
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteStartArray("non_trainable");
        IReadOnlyList<Parameter> parameters = model.Parameters;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (!parameters[i].Trainable)
            {
                w.WriteStringValue(paths[i]);
            }
        }

        w.WriteEndArray();
        if (model.Loss is { } loss)
        {
            w.WriteString("loss", loss.KerasName);
            if (loss.Config.Count > 0)
            {
                // Keras's get_config of the loss (Huber's delta, the focal alpha and gamma), so that it comes back as trained.
                w.WritePropertyName("loss_config");
                JsonConfig.Write(w, loss.Config);
            }
        }

        if (optimizer is not null)
        {
            w.WriteStartObject("optimizer");
            w.WriteString("class_name", optimizer.KerasName);
            w.WritePropertyName("config");
            JsonConfig.Write(w, ScheduleConfig.WithSchedule(optimizer, OptimizerConfig.ToConfig(optimizer)));
            w.WriteString("iterations", optimizer.Iterations.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }

        w.WriteStartArray("history");
        foreach (EpochRecord r in model.History)
        {
            w.WriteStartObject();
            w.WriteNumber("epoch", r.Epoch);
            w.WritePropertyName("loss");
            JsonConfig.WriteDouble(w, r.Loss);
            WriteMetrics(w, "metrics", r.Metrics);
            if (r.ValidationLoss is { } vl)
            {
                w.WritePropertyName("val_loss");
                JsonConfig.WriteDouble(w, vl);
                WriteMetrics(w, "val_metrics", r.ValidationMetrics ?? new Dictionary<string, double>());
            }

            w.WriteNumber("duration_ticks", r.Duration.Ticks);
            w.WriteNumber("learning_rate", (double)r.LearningRate);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteMetrics(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, double> metrics)
    {
        w.WriteStartObject(name);
        foreach (KeyValuePair<string, double> kv in metrics)
        {
            w.WritePropertyName(kv.Key);
            JsonConfig.WriteDouble(w, kv.Value);
        }

        w.WriteEndObject();
    }

    private static void WriteCheckpoint(Utf8JsonWriter w, FitState state)
    {
        w.WriteStartObject();
        w.WriteNumber("epochs_done", state.EpochsDone);
        w.WritePropertyName("shuffle");
        WriteRng(w, state.Shuffle);
        w.WritePropertyName("best_monitored");
        JsonConfig.WriteDouble(w, state.BestMonitored);
        w.WriteNumber("wait", state.Wait);
        if (state.SampleWeightDigest is { } digest)
        {
            w.WriteString("sample_weight_digest", digest);
        }

        ScheduleConfig.WriteState(w, state.Plateau);
        if (state.Settings is { } s)
        {
            w.WriteStartObject("settings");
            w.WriteNumber("epochs", s.Epochs);
            w.WriteNumber("batch_size", s.BatchSize);
            w.WriteBoolean("shuffle", s.Shuffle);
            w.WriteNumber("validation_split", s.ValidationSplit);
            WriteOptional(w, "early_stopping_patience", s.EarlyStoppingPatience);
            w.WriteBoolean("restore_best_weights", s.RestoreBestWeights);
            WriteOptional(w, "clip_norm", s.ClipNorm);
            WriteOptional(w, "global_clip_norm", s.GlobalClipNorm);
            WriteOptional(w, "clip_value", s.ClipValue);
            WriteOptional(w, "truncated_bptt", s.TruncatedBptt);
            ScheduleConfig.WriteSettings(w, s.ReduceLROnPlateau);
            if (s.Seed is { } seed)
            {
                w.WriteString("seed", seed.ToString(CultureInfo.InvariantCulture));
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static void WriteRng(Utf8JsonWriter w, RngState state)
    {
        // ulongs as decimal strings: JSON readers commonly keep only 53 bits of a number.
        w.WriteStartObject();
        w.WriteStartArray("s");
        foreach (ulong word in new[] { state.S0, state.S1, state.S2, state.S3 })
        {
            w.WriteStringValue(word.ToString(CultureInfo.InvariantCulture));
        }

        w.WriteEndArray();
        if (state.SpareNormal is { } spare)
        {
            w.WriteString("spare_normal_bits", BitConverter.DoubleToUInt64Bits(spare).ToString(CultureInfo.InvariantCulture));
        }

        w.WriteEndObject();
    }

    /// <summary>Reads an <see cref="RngState"/> written by <see cref="WriteRng"/>.</summary>
    internal static RngState ReadRng(JsonElement e, string where)
    {
        if (JsonConfig.Member(e, "s") is not { ValueKind: JsonValueKind.Array } words || words.GetArrayLength() != 4)
        {
            throw JsonConfig.Bad(where, "a generator state {\"s\": [4 words]}");
        }

        ulong[] s = words.EnumerateArray().Select((v, i) => JsonConfig.UInt64(v, $"{where}.s[{i}]")).ToArray();
        if ((s[0] | s[1] | s[2] | s[3]) == 0)
        {
            throw JsonConfig.Bad(where, "a generator state that is not all zeros");
        }

        double? spare = JsonConfig.Member(e, "spare_normal_bits") is { } bits
            ? BitConverter.UInt64BitsToDouble(JsonConfig.UInt64(bits, $"{where}.spare_normal_bits")) : null;
        return new RngState(s[0], s[1], s[2], s[3], spare);
    }
}
