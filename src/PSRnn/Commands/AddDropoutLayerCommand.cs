using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a dropout layer (Keras Dropout).</para>
/// <para type="description">In training, sets each value to zero with probability -Rate and scales the rest by
/// 1/(1 − Rate); in evaluation and prediction it passes values through.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Add-LstmLayer 128 | Add-DropoutLayer 0.3 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>Drops 30% of the LSTM's outputs while training.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 30, 4 | Add-LstmLayer 32 | Add-DropoutLayer -Rate 0.5 | Add-DenseLayer 3 -Activation softmax
///   </code>
///   <para>Half of the LSTM's outputs are dropped at each training step; prediction uses them all.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "DropoutLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddDropoutLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The fraction of values dropped in training, from 0 to below 1.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(0.0, 0.99)]
    public double Rate { get; set; }

    /// <inheritdoc />
    protected override Layer CreateLayer() => new DropoutLayer((float)Rate, Name);
}
