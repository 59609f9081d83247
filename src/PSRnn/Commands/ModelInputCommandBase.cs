using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>What Measure-RnnModel and Invoke-RnnPrediction share: the model from the pipeline, the samples, and how
/// the forward passes run.</summary>
public abstract class ModelInputCommandBase : PSCmdlet
{
    /// <summary>
    /// <para type="description">The model; it comes from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The samples: (samples, time steps, features), or (samples, tokens) for Embedding models.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor X { get; set; } = null!;

    /// <summary>
    /// <para type="description">Samples per forward pass (default 32).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// <para type="description">The number of threads the engine's matrix products use (default: one per processor). Results are identical for a given count.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? ThreadCount { get; set; }
}
