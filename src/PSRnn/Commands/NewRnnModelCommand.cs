using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Creates an empty sequential model for sequences of the given shape.</para>
/// <para type="description">Starts a Keras-style Sequential model. -InputShape gives one sample's shape: time steps and
/// features (0 time steps means any length, Keras's None), or just the sequence length for a model that starts with
/// Add-EmbeddingLayer. Pipe the model into Add-*Layer cmdlets, then Invoke-RnnTraining. -Seed fixes every random choice
/// (initial weights, shuffles, dropout), so the same seed gives the same trained model bit for bit.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $model = New-RnnModel -InputShape 100, 13 -Seed 42 |
///         Add-LstmLayer 128 -ReturnSequences |
///         Add-LstmLayer 128 |
///         Add-DenseLayer 10 -Activation softmax
///     $model
///   </code>
///   <para>The seed's speech model: two stacked LSTMs over 100 frames of 13 MFCCs and a 10-way softmax; it prints its summary.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 13 -Name speech -Seed 1 | Add-GruLayer 32 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A model named speech that takes any number of frames of 13 features.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "RnnModel")]
[OutputType(typeof(Sequential))]
public sealed class NewRnnModelCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">One sample's shape: time steps, features (0 time steps = any length); or the sequence length alone for Embedding models.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateCount(1, 2)]
    public int[] InputShape { get; set; } = [];

    /// <summary>
    /// <para type="description">The model's name (default sequential).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>
    /// <para type="description">The seed of all randomness in the model; without it each model differs.</para>
    /// </summary>
    [Parameter]
    public ulong? Seed { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        SampleShape shape;
        if (InputShape.Length == 2)
        {
            if (InputShape[0] < 0 || InputShape[1] <= 0)
            {
                ThrowTerminatingError(Errors.Create("ModelBadInputShape", ErrorCategory.InvalidArgument, InputShape,
                    $"-InputShape {string.Join(",", InputShape)}: give time steps (0 for any length) and a positive number of features."));
            }

            shape = SampleShape.Sequence(InputShape[0] == 0 ? null : InputShape[0], InputShape[1]);
        }
        else
        {
            if (InputShape[0] <= 0)
            {
                ThrowTerminatingError(Errors.Create("ModelBadInputShape", ErrorCategory.InvalidArgument, InputShape,
                    $"-InputShape {InputShape[0]}: a single value is the number of tokens (or features) per sample and must be positive."));
            }

            shape = SampleShape.Vector(InputShape[0]);
        }

        WriteObject(new Sequential(shape, Name, Seed));
    }
}
