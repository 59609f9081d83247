using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Gets a model's weights as tensors, as Keras's layer.get_weights.</para>
/// <para type="description">Returns copies of the weights with Keras's names and shapes: kernel (inputs, units·gates),
/// recurrent_kernel (units, units·gates), bias — gates in Keras's order (LSTM i, f, c, o; GRU z, r, h). -Layer picks a
/// layer by index or name, -Name one weight; without -Layer every weight of the model comes out, named layer/weight.</para>
/// </summary>
/// <example>
///   <code>
///     Get-RnnLayerWeight -Model $model -Layer 0 -Name recurrent_kernel
///   </code>
///   <para>The first layer's recurrent kernel, e.g. (128, 512) for LSTM(128).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $model = New-RnnModel -InputShape 5, 3 | Add-LstmLayer 4 | Add-DenseLayer 2
///     Get-RnnLayerWeight -Model $model | ForEach-Object { '{0} {1}' -f $_.Name, $_.ShapeText }
///   </code>
///   <para>Lists every weight with its shape: lstm.kernel (3, 16), lstm.recurrent_kernel (4, 16), lstm.bias (16,), dense.kernel (4, 2), dense.bias (2,).</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "RnnLayerWeight")]
[OutputType(typeof(Tensor))]
public sealed class GetRnnLayerWeightCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">The model.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The layer: an index (0 is the first; negative counts from the end) or a name.</para>
    /// </summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(LayerCompleter))]
    public object? Layer { get; set; }

    /// <summary>
    /// <para type="description">The weight's Keras name (kernel, recurrent_kernel, bias, embeddings, forward.kernel, …); by default all of the layer's.</para>
    /// </summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(WeightNameCompleter))]
    public string? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IEnumerable<Layer> layers = Model.Layers;
        if (Layer is not null)
        {
            try
            {
                layers = [Model.GetLayer(TensorArgument.Unwrap(Layer)!)];
            }
            catch (ModelException e)
            {
                ThrowTerminatingError(Errors.FromModel(e, Layer));
                return;
            }
        }

        bool qualify = Layer is null;
        bool found = false;
        foreach (Layer layer in layers)
        {
            IReadOnlyList<string> names = layer.ParameterNames;
            for (int i = 0; i < names.Count; i++)
            {
                if (Name is not null && !string.Equals(names[i], Name, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                Parameter p = layer.Parameters[i];
                found = true;
                WriteObject(new Tensor((float[])p.Value.Clone(), [.. p.Shape]) { Name = qualify ? $"{layer.Name}/{names[i]}" : names[i] });
            }

            if (Name is not null && !found)
            {
                ThrowTerminatingError(Errors.FromModel(new ModelException("WeightNotFound",
                    $"Layer '{layer.Name}' has no weight named '{Name}'. Its weights: {string.Join(", ", names)}."), Name));
            }
        }
    }
}
