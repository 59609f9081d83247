using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Models;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Saves a model to a safetensors file, as Keras's model.save.</para>
/// <para type="description">Writes one .safetensors file that Python's safetensors library opens: the weights as float32
/// tensors with Keras's shapes, named layers.0.kernel, layers.0.recurrent_kernel, … (layers.1.forward.kernel and
/// layers.1.backward.kernel for a Bidirectional layer), and in the metadata the model's configuration (each layer's
/// Keras class and config), its seed, training history and loss. -IncludeOptimizerState also saves the optimizer's
/// hyper-parameters, step count and slots (optimizer.layers.0.kernel.momentum, …), so training continues exactly where
/// it stopped after Import-RnnModel. -Format Onnx writes an ONNX model (opset 17) instead, for ONNX Runtime and other
/// inference engines: input "input" (batch, time, features) float32 — int64 token ids for an Embedding model — and output
/// "output", with dynamic batch and time axes; Keras's gate orders are mapped to ONNX's. A masked model (Masking first,
/// or Embedding mask_zero) computes its mask in the graph and feeds the recurrent operators sequence_lens derived from it,
/// giving Keras's results for pre, post and inner padding alike. -Streaming (with -Format Onnx) also makes every recurrent
/// layer's state a graph input and output, so that a serving engine can stream as New-RnnStream does: layer L reads
/// L.h_in (and L.c_in for LSTM) as ONNX's initial_h (initial_c) and writes L.h_out (L.c_out), its Y_h (Y_c), each
/// (1, batch, units) float32; feed zeros first, then each call's outputs back. Bidirectional and go_backwards layers and
/// masked models cannot stream that way and are refused (OnnxStreamingUnsupported). -Format Keras writes a Keras 3 .keras
/// archive (config.json, metadata.json, model.weights.h5 in Keras 3's layout, as model.save('m.keras')) for
/// keras.models.load_model; attention layers (which take two inputs in Keras) and SpecAugment are refused
/// (KerasExportUnsupported). The write is atomic: the file is written beside the target and renamed into place,
/// so an interrupted write never leaves a partial file. An existing file is replaced only with -Force.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Export-RnnModel ./speech.safetensors
///   </code>
///   <para>Saves the model's configuration and weights.</para>
/// </example>
/// <example>
///   <code>
///     $model | Export-RnnModel ./speech.safetensors -IncludeOptimizerState -Force -PassThru
///   </code>
///   <para>Saves everything training needs to continue, replacing the file, and returns its FileInfo.</para>
/// </example>
/// <example>
///   <code>
///     $model | Export-RnnModel ./speech.onnx -Format Onnx
///   </code>
///   <para>Exports the model for ONNX Runtime; predictions agree with Invoke-RnnPrediction within 1e-5.</para>
/// </example>
/// <example>
///   <code>
///     $model | Export-RnnModel ./speech.keras -Format Keras
///   </code>
///   <para>Writes a Keras 3 archive that Import-RnnModel (and keras.models.load_model) reads back.</para>
/// </example>
/// <example>
///   <code>
///     $model | Export-RnnModel ./monitor.onnx -Format Onnx -Streaming
///   </code>
///   <para>Exports the model with its states as inputs (lstm.h_in, lstm.c_in, …) and outputs (lstm.h_out, lstm.c_out, …);
///   ONNX Runtime fed chunk by chunk with the outputs fed back agrees with a PSRnn stream within 1e-5.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $model = New-RnnModel -InputShape 10, 2 -Seed 1 | Add-GruLayer 8 | Add-DenseLayer 2 -Activation softmax
///     $model | Export-RnnModel ./tiny.safetensors -PassThru
///   </code>
///   <para>Runs as written: saves a small model in the current folder.</para>
/// </example>
[Cmdlet(VerbsData.Export, "RnnModel", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnModelCommand : ExportFileCommandBase
{
    /// <summary>
    /// <para type="description">The model to save; it comes from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">Also saves the optimizer (its kind, hyper-parameters, step count and slots), so training
    /// continues exactly after Import-RnnModel. The model must have been trained.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter IncludeOptimizerState { get; set; }

    /// <summary>
    /// <para type="description">The file format: Safetensors (default; PSRnn's model file, reloadable with Import-RnnModel), Onnx (for inference elsewhere) or Keras (a Keras 3 .keras archive).</para>
    /// </summary>
    [Parameter]
    public ModelFileFormat Format { get; set; } = ModelFileFormat.Safetensors;

    /// <summary>
    /// <para type="description">With -Format Onnx: every recurrent layer's state (h, and c for LSTM) becomes a graph input
    /// (L.h_in, L.c_in) and output (L.h_out, L.c_out), each (1, batch, units), so a serving engine can stream chunk by
    /// chunk by feeding the outputs back. Bidirectional and go_backwards layers and masked models are refused
    /// (OnnxStreamingUnsupported).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Streaming { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        string file = ResolveTarget();
        bool exists = PathResolver.CheckWriteTarget(this, file, Force);

        if (Format == ModelFileFormat.Onnx && IncludeOptimizerState)
        {
            ThrowTerminatingError(Errors.Create("OnnxNoOptimizerState", ErrorCategory.InvalidArgument, file,
                "An ONNX file holds an inference graph only; -IncludeOptimizerState needs -Format Safetensors."));
        }

        if (Format == ModelFileFormat.Keras && IncludeOptimizerState)
        {
            ThrowTerminatingError(Errors.Create("KerasNoOptimizerState", ErrorCategory.InvalidArgument, file,
                "PSRnn writes a .keras archive with the model and its loss, without optimizer variables; -IncludeOptimizerState needs -Format Safetensors."));
        }

        if (Format != ModelFileFormat.Onnx && Streaming)
        {
            ThrowTerminatingError(Errors.Create("OnnxStreamingNeedsOnnx", ErrorCategory.InvalidArgument, file,
                "-Streaming adds the states as ONNX graph inputs and outputs; it needs -Format Onnx. A PSRnn model file streams with New-RnnStream as it is."));
        }

        string what = Format switch
        {
            ModelFileFormat.Onnx => "Export model '" + Model.Name + "' to ONNX",
            ModelFileFormat.Keras => "Export model '" + Model.Name + "' as a Keras archive",
            _ => "Save model '" + Model.Name + "'",
        };
        string action = what + (IncludeOptimizerState ? " with its optimizer state" : "") + (exists ? ", replacing the file" : "");
        if (!ShouldProcess(file, action))
        {
            return;
        }

        try
        {
            if (Format == ModelFileFormat.Onnx)
            {
                OnnxExporter.Export(Model, file, overwrite: Force, new OnnxExportOptions { Streaming = Streaming });
            }
            else if (Format == ModelFileFormat.Keras)
            {
                KerasArchive.Save(file, Model, overwrite: Force);
            }
            else
            {
                ModelFile.Save(file, Model, IncludeOptimizerState, overwrite: Force);
            }
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(Errors.WriteFailed("ModelWriteFailed", file, $"Cannot write '{file}': {Errors.Describe(e)}", e));
        }

        WritePassThru(file);
    }
}
