using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// What every Add-*Layer cmdlet shares: the model from the pipeline (or -Model), an optional layer name, and adding the
/// layer as Keras's model.add does, then passing the model on.
/// </summary>
public abstract class AddLayerCommandBase : PSCmdlet
{
    /// <summary>
    /// <para type="description">The model to add the layer to; it comes from the pipeline and is passed on.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The layer's name; by default Keras's (lstm, lstm_1, dense, …).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>
    /// <para type="description">Hidden: values no parameter takes, such as $true after a switch, so that the error says
    /// how to write them.</para>
    /// </summary>
    [Parameter(ValueFromRemainingArguments = true, DontShow = true)]
    public object[]? LeftoverArgument { get; set; }

    /// <summary>Creates the layer from the cmdlet's parameters.</summary>
    protected abstract Layer CreateLayer();

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        LeftoverArguments.ThrowIfAny(this, LeftoverArgument);
        Layer layer;
        try
        {
            layer = CreateLayer();
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("LayerBadArgument", ErrorCategory.InvalidArgument, null, Errors.Describe(e), e));
            return;
        }
        catch (ModelException e)
        {
            // A setting the layer checks against another (an LSTM's projection size against its units).
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }

        try
        {
            Model.Add(layer);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
        }

        WriteObject(Model);
    }
}
