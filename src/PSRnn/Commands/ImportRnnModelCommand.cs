using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Reads a model saved by Export-RnnModel (or a training checkpoint), an ONNX model, or a Keras model (.keras or HDF5), as Keras's load_model.</para>
/// <para type="description">Rebuilds the model from a .safetensors file's configuration and fills in its weights, history,
/// loss and — when the file has it — optimizer state, so the model predicts bit for bit as the saved one and trains on
/// exactly. Checkpoints written by Invoke-RnnTraining -CheckpointPath read the same way. The whole file is checked first
/// (header, configuration, every tensor's dtype and shape); a bad file is an error with a stable ErrorId and yields no
/// model. F16, BF16 and F64 weights are converted to float32.</para>
/// <para type="description">The format is told by content, not extension. An ONNX file (torch.onnx.export of torch.nn.RNN,
/// LSTM, GRU — bidirectional, stacked, batch_first or not — then nn.Linear and softmax, or Export-RnnModel -Format Onnx)
/// is read back into Keras layers; a graph PSRnn cannot represent is an error naming the operator (OnnxUnsupportedOperator)
/// or node (OnnxUnsupportedGraph). The imported model always takes (batch, time, features): for a graph that took
/// time-major input (batch_first=False) a warning says so. A graph whose recurrent operators read a second input of
/// per-sample lengths (pack_padded_sequence) becomes a model that masks zero padding (Masking(0) first, or Embedding
/// mask_zero), with a warning. A Keras HDF5 file (model.save('m.h5'), Keras 2 layout) is built
/// from its model_config with its weights; so is a Keras 3 .keras archive (model.save('m.keras'): config.json and
/// model.weights.h5 in a zip), from its config.json. With -Into, the weights of a Keras weights file (model.save_weights('w.h5')) or
/// of a Keras model file are loaded into an existing model with the same layers, which is then returned; the model is
/// unchanged if anything does not fit.</para>
/// </summary>
/// <example>
///   <code>
///     $model = Import-RnnModel ./speech.safetensors
///   </code>
///   <para>Reads a model; it prints as Keras's summary table.</para>
/// </example>
/// <example>
///   <code>
///     Get-ChildItem ./checkpoints -Filter *.best.safetensors | Import-RnnModel
///   </code>
///   <para>Reads every best-epoch checkpoint of a folder.</para>
/// </example>
/// <example>
///   <code>
///     $model = Import-RnnModel ./from_pytorch.onnx
///   </code>
///   <para>Reads a model PyTorch exported with torch.onnx.export.</para>
/// </example>
/// <example>
///   <code>
///     $model = New-RnnModel -InputShape 5, 3 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation Softmax
///     Import-RnnModel ./weights.h5 -Into $model
///   </code>
///   <para>Loads Keras weights (model.save_weights) into a model built with the same layers.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $model = New-RnnModel -InputShape 4, 2 -Seed 3 | Add-LstmLayer 5 | Add-DenseLayer 2 -Activation softmax
///     $model | Export-RnnModel ./small.safetensors
///     $copy = Import-RnnModel ./small.safetensors
///     $copy
///   </code>
///   <para>Runs as written: a model saved and read back; the copy predicts bit for bit as the original.</para>
/// </example>
[Cmdlet(VerbsData.Import, "RnnModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(Sequential))]
public sealed class ImportRnnModelCommand : ImportFileCommandBase
{
    /// <summary>
    /// <para type="description">A model to load the weights of a Keras HDF5 file into (weights-only files need it). Its
    /// layers with weights must match the file's, in order and shape. The model is returned.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Sequential? Into { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (string file in ResolvedFiles("model (.safetensors, .onnx or Keras .h5)"))
        {
            try
            {
                Sequential model = Load(file);
                MetricProperties.AddToHistory(model);
                WriteObject(model);
            }
            catch (DataFormatException e)
            {
                WriteError(Errors.FromData(e, file));
            }
            catch (ModelException e)
            {
                WriteError(Errors.FromModel(e, file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(Errors.Create("ModelReadFailed", ErrorCategory.ReadError, file, $"Cannot read '{file}': {Errors.Describe(e)}", e));
            }
        }
    }

    private Sequential Load(string file)
    {
        ModelFormat format = ModelFormats.Detect(file);
        if (Into is not null && format != ModelFormat.Hdf5)
        {
            throw new DataFormatException("ImportIntoNeedsHdf5", DataErrorKind.InvalidType, file,
                $"-Into loads Keras HDF5 weights; this file is {format}. Import it without -Into.");
        }

        switch (format)
        {
            case ModelFormat.Onnx:
                OnnxImportResult onnx = OnnxImporter.Import(file);
                if (onnx.InputTimeMajor || onnx.OutputTimeMajor)
                {
                    WriteWarning($"'{file}' took its data time-major, (time, batch, features) (PyTorch's batch_first=False); the imported " +
                        "model takes and returns (batch, time, features), as every PSRnn model: transpose your data accordingly.");
                }

                if (onnx.LengthsInput is { } lengths)
                {
                    WriteWarning($"'{file}' takes per-sample lengths ('{lengths}', PyTorch's pack_padded_sequence); the imported model " +
                        "takes the data only and masks its padding instead (a Masking layer with mask value 0, or Embedding mask_zero): " +
                        "pad each sample with zeros after its real steps, and note that a real step whose features are all 0 is masked too.");
                }

                return onnx.Model;
            case ModelFormat.Hdf5:
                if (Into is not null)
                {
                    KerasHdf5File.LoadWeightsInto(file, Into);
                    return Into;
                }

                return KerasHdf5File.Load(file);
            case ModelFormat.KerasArchive:
                return KerasArchive.Load(file);
            default:
                return ModelFile.Load(file);
        }
    }
}
