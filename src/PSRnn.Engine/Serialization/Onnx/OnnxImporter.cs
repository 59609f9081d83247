using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using static PSRnn.Engine.Serialization.Onnx.OnnxGraphInterpreter;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>
/// Reads an ONNX model that computes a Keras-style Sequential stack — as torch.onnx.export writes it for torch.nn.RNN
/// (tanh, relu), LSTM, GRU (bidirectional, stacked, batch_first or not) followed by nn.Linear and softmax, and as
/// <see cref="OnnxExporter"/> writes it — and rebuilds that model with its weights in Keras layout.
/// </summary>
/// <remarks>
/// <para>The graph is read symbolically (<see cref="OnnxGraphInterpreter"/>): the shape arithmetic torch emits around its
/// recurrent operators (Shape, Gather, Unsqueeze, Concat, ConstantOfShape, Slice of zeros for the initial states),
/// Transpose/Squeeze/Reshape of Y, Gather of the last step or of h_n entries, and Concat of both directions' h_n are
/// followed to learn each layer's return_sequences and whether the input is batch- or time-major.</para>
/// <para>Weights are the exporter's mapping inverted: W (D, G·H, F) and R (D, G·H, H) transposed into kernel (F, G·H) and
/// recurrent_kernel (H, G·H), LSTM gates from ONNX i, o, f, c back to Keras i, f, c, o, GRU z, r, h unchanged (torch's
/// exporter has already moved its r, z, n into ONNX order); the bias B = [Wb, Rb] becomes Wb + Rb, except for a GRU with
/// linear_before_reset = 1, which is Keras's reset_after GRU with bias rows [Wb; Rb]. Gemm with transB (torch's Linear)
/// transposes its weight into the Keras kernel.</para>
/// <para>Per-sample lengths: a graph with a second input of rank 1 and integer type whose values reach the recurrent
/// operators' sequence_lens (torch's pack_padded_sequence with enforce_sorted=True; pad_packed_sequence with total_length)
/// imports as a model whose mask comes from its data instead: a Masking layer with mask value 0 first, or, for token ids,
/// an Embedding with mask_zero. That is the same computation when each sample's real steps come first and its padding
/// steps are all zeros (pad_sequence's default) — a real step whose features are all zero, or a real token id 0, would be
/// masked — with one difference: at padding steps of a returned sequence ONNX (and torch) output zeros, Keras repeats the
/// last real output of a forward layer (its Bidirectional outputs zeros too). Every recurrent operator must take the
/// lengths, or none; a graph that sorts the batch by length (enforce_sorted=False) is refused.
/// <see cref="OnnxImportResult.LengthsInput"/> names the input the mask replaced.</para>
/// <para>Anything else — another operator, a non-zero initial state, peepholes, clip, a last step of a bidirectional
/// output — is a <see cref="DataFormatException"/> (<see cref="UnsupportedOperatorErrorId"/> naming the operator, or
/// <see cref="UnsupportedGraphErrorId"/> naming the node and what it does). Nothing is built until the whole graph has
/// been read.</para>
/// </remarks>
public static class OnnxImporter
{
    /// <summary>The ErrorId of a graph that uses an operator PSRnn does not import.</summary>
    public const string UnsupportedOperatorErrorId = "OnnxUnsupportedOperator";

    /// <summary>The ErrorId of supported operators put together in a way no PSRnn layer stack computes.</summary>
    public const string UnsupportedGraphErrorId = "OnnxUnsupportedGraph";

    /// <summary>
    /// The ErrorId of sizes beyond what PSRnn holds: a tensor of more values than one array, a dimension or hidden_size
    /// past 32 bits, more than <see cref="Sequential.MaxLayers"/> layers, or layers whose weights would exceed
    /// <see cref="MaxWeightsPerFileByte"/> times the file's size.
    /// </summary>
    public const string TooLargeErrorId = "OnnxTooLarge";

    /// <summary>
    /// The most weights (float32 bytes) a model may have per byte of its file, plus <see cref="WeightAllowance"/>: a graph
    /// stores each weight once (4 bytes), so only layers that share one initializer many times can exceed it.
    /// </summary>
    public const int MaxWeightsPerFileByte = 4;

    /// <summary>The weight bytes any file may have beyond <see cref="MaxWeightsPerFileByte"/> times its size.</summary>
    public const long WeightAllowance = 16 << 20;

    /// <summary>Reads the ONNX file <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The file is not valid ONNX or computes something PSRnn cannot represent.</exception>
    public static OnnxImportResult Import(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Import(PSRnn.Engine.IO.InputFile.ReadAllBytes(path), path);
    }

    /// <summary>Reads an ONNX model from its bytes.</summary>
    /// <param name="data">The file's content.</param>
    /// <param name="fileName">The file name for messages, or null.</param>
    /// <exception cref="DataFormatException">The bytes are not valid ONNX or compute something PSRnn cannot represent.</exception>
    public static OnnxImportResult Import(byte[] data, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(data);
        OnnxDecodedModel decoded = OnnxModelDecoder.Decode(data, fileName);
        try
        {
            return Build(decoded, data.LongLength);
        }
        catch (ImportException e)
        {
            throw new DataFormatException(e.ErrorId, e.ErrorId switch
            {
                "OnnxCorrupt" => DataErrorKind.InvalidData,
                TooLargeErrorId => DataErrorKind.LimitsExceeded,
                _ => DataErrorKind.InvalidType,
            }, fileName, e.Message, e);
        }
        catch (ModelException e) when (e.ErrorId is "LayerTooLarge" or "ModelTooManyLayers" or "InsufficientMemory")
        {
            throw new DataFormatException(TooLargeErrorId, DataErrorKind.LimitsExceeded, fileName,
                $"The model the ONNX graph describes is too large: {e.Message}", e);
        }
        catch (Exception e) when (e is ModelException or ArgumentException)
        {
            // The layers rejected what the graph describes (a shape that does not chain, say).
            throw new DataFormatException(UnsupportedGraphErrorId, DataErrorKind.InvalidType, fileName,
                $"The ONNX graph does not make a valid PSRnn model: {ExceptionText.Plain(e)}", e);
        }
    }

    private static OnnxImportResult Build(OnnxDecodedModel decoded, long fileLength)
    {
        // A second input of rank 1 and integer type is per-sample lengths (torch's pack_padded_sequence): the recurrent
        // operators' sequence_lens, which the imported model takes from a mask instead.
        string? lengthsName = null;
        var inputs = decoded.Inputs.ToList();
        if (inputs.Count == 2 && decoded.Outputs.Count == 1)
        {
            int k = inputs.FindIndex(i => i.Dims.Length == 1 && i.ElementType is 6 or 7);
            if (k >= 0 && inputs[1 - k].Dims.Length != 1)
            {
                lengthsName = inputs[k].Name;
                inputs.RemoveAt(k);
            }
        }

        if (inputs.Count != 1 || decoded.Outputs.Count != 1)
        {
            throw new ImportException(UnsupportedGraphErrorId,
                $"The ONNX graph has {decoded.Inputs.Count} inputs and {decoded.Outputs.Count} outputs; a PSRnn model has one of each " +
                "and, optionally, per-sample lengths (export the PyTorch model so that forward returns one tensor and takes no initial state).");
        }

        (string inputName, int elementType, OnnxDim[] dims) = inputs[0];
        bool ids = elementType is 6 or 7; // int32, int64 token ids
        if (!ids && elementType != 1)
        {
            throw new ImportException(UnsupportedGraphErrorId, $"The ONNX graph input '{inputName}' has element type {elementType}; PSRnn takes float32 or int64 token ids.");
        }

        // Sizes are int64 in the file: range-checked before they become ints (2^32 + 4 was read as 4).
        long f = dims.Length > 0 && dims[^1].Value is { } fv ? fv : -1;
        if (dims.Any(d => d.Value < 0))
        {
            // -(2^32) + 5 would have become 5.
            throw new ImportException("OnnxCorrupt", $"The ONNX graph input '{inputName}' has a negative size in its shape.");
        }

        if (dims.Any(d => d.Value > int.MaxValue))
        {
            throw new ImportException(TooLargeErrorId, $"The ONNX graph input '{inputName}' has a size past 2^31 − 1 in its shape ({string.Join(", ", dims.Select(d => d.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? d.Param))}).");
        }

        int features = (int)f;
        if (!ids && features <= 0)
        {
            throw new ImportException(UnsupportedGraphErrorId, $"The ONNX graph input '{inputName}' has no fixed number of features.");
        }

        var interpreter = new OnnxGraphInterpreter(decoded);
        IReadOnlyList<LayerSpec> layers = interpreter.Run(inputName, dims.Length, ids, features, lengthsName);
        CheckSize(layers, fileLength);
        string[] inLabels = interpreter.InputLabels;
        int? time = Array.IndexOf(inLabels, "T") is int t and >= 0 && t < dims.Length && dims[t].Value is { } tv ? (int)tv : null;
        SampleShape input = (ids, dims.Length) switch
        {
            (true, 2) when time is { } steps => SampleShape.Vector(steps),
            (true, _) => SampleShape.Sequence(time, 1),
            (false, 2) => SampleShape.Vector(features),
            _ => SampleShape.Sequence(time, features),
        };

        var model = new Sequential(input, string.IsNullOrEmpty(decoded.GraphName) ? null : SafeName(decoded.GraphName), seed: 0);
        bool masked = interpreter.UsesLengths;
        if (masked && !ids)
        {
            // The lengths become Keras's mask: padding steps are the all-zero ones (pack_padded_sequence's padding).
            model.Add(new Masking(0f));
        }

        foreach (LayerSpec spec in layers)
        {
            Add(model, spec, masked);
        }

        return new OnnxImportResult(model, inLabels.Length == 3 && inLabels[0] == "T",
            interpreter.OutputLabels.Length == 3 && interpreter.OutputLabels[0] == "T", decoded.ProducerName)
        {
            LengthsInput = masked ? lengthsName : null,
        };
    }

    /// <summary>Refuses, before anything is allocated, a stack that is too deep or whose weights the file cannot account for.</summary>
    private static void CheckSize(IReadOnlyList<LayerSpec> layers, long fileLength)
    {
        System.Globalization.CultureInfo c = System.Globalization.CultureInfo.InvariantCulture;
        if (layers.Count > Sequential.MaxLayers)
        {
            throw new ImportException(TooLargeErrorId, string.Create(c,
                $"The ONNX graph computes {layers.Count:N0} layers; PSRnn builds models of at most {Sequential.MaxLayers:N0}."));
        }

        long weights = layers.Sum(l => l.WeightCount);
        long bytes = weights * sizeof(float), allowed = (MaxWeightsPerFileByte * fileLength) + WeightAllowance;
        if (bytes > allowed)
        {
            throw new ImportException(TooLargeErrorId, string.Create(c,
                $"The ONNX graph's {layers.Count:N0} layers would have {weights:N0} weights ({IO.MemoryBudget.Describe(bytes)}), more " +
                $"than {MaxWeightsPerFileByte} times the file's {fileLength:N0} bytes: its layers share weight tensors many times over. PSRnn imports graphs whose layers have their own weights."));
        }
    }

    private static string SafeName(string name)
    {
        string cleaned = new(name.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray());
        return cleaned.Trim('_').Length == 0 ? "sequential" : cleaned;
    }

    private static void Add(Sequential model, LayerSpec spec, bool masked)
    {
        // Every weight comes from the graph: built without initial weights, then filled.
        switch (spec)
        {
            case DenseSpec d:
                {
                    var layer = new Dense(d.Units, d.Activation, d.Bias is not null) { WeightsFromFile = true };
                    model.Add(layer);
                    Set(layer.Parameters, d.Kernel(), d.KerasBias());
                    break;
                }

            case EmbeddingSpec e:
                {
                    // Under lengths, token id 0 is the padding (torch's padding_idx=0): Keras's mask_zero.
                    var layer = new Embedding(e.Vocab, e.Dim) { WeightsFromFile = true, MaskZero = masked };
                    model.Add(layer);
                    Set(layer.Parameters, e.Table);
                    break;
                }

            case RecurrentSpec r:
                {
                    RecurrentLayer cell = Cell(r, r.Directions == 2 ? false : r.GoBackwards);
                    if (r.Directions == 2)
                    {
                        var wrapper = new Bidirectional(cell) { WeightsFromFile = true };
                        model.Add(wrapper);
                        Set(wrapper.ForwardLayer.Parameters, r.Kernel(0), r.RecurrentKernel(0), r.KerasBias(0));
                        Set(wrapper.BackwardLayer.Parameters, r.Kernel(1), r.RecurrentKernel(1), r.KerasBias(1));
                    }
                    else
                    {
                        cell.WeightsFromFile = true;
                        model.Add(cell);
                        Set(cell.Parameters, r.Kernel(0), r.RecurrentKernel(0), r.KerasBias(0));
                    }

                    break;
                }
        }
    }

    private static RecurrentLayer Cell(RecurrentSpec r, bool goBackwards) => r.Op switch
    {
        "LSTM" => new Lstm(r.Units, r.ReturnSequences, goBackwards)
        {
            Activation = r.Activation, RecurrentActivation = r.RecurrentActivation, UseBias = r.B is not null, UnitForgetBias = false,
        },
        "GRU" => new Gru(r.Units, r.ReturnSequences, goBackwards, resetAfter: r.ResetAfter)
        {
            Activation = r.Activation, RecurrentActivation = r.RecurrentActivation, UseBias = r.B is not null,
        },
        _ => new SimpleRnn(r.Units, r.ReturnSequences, goBackwards) { Activation = r.Activation, UseBias = r.B is not null },
    };

    private static void Set(IReadOnlyList<Parameter> parameters, params float[]?[] values)
    {
        int p = 0;
        foreach (float[]? v in values)
        {
            if (v is null)
            {
                continue;
            }

            Parameter target = parameters[p++];
            if (target.Length != v.Length)
            {
                throw new ModelException("OnnxWeightShape", $"Weight '{target.Name}' has {target.Length} values in PSRnn and {v.Length} in the graph.");
            }

            v.CopyTo(target.Value, 0);
            target.MarkChanged();
        }
    }
}
