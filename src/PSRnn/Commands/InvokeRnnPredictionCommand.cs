using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;
using PSRnn.Models;
using PSRnn.Serving;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Runs a model on samples, as Keras's model.predict.</para>
/// <para type="description">Returns the model's outputs for every sample as a float32 tensor: probabilities for a softmax
/// or sigmoid output, values otherwise; (samples, outputs), or (samples, time steps, outputs) when the last layer works on
/// every step. -Class returns class indices instead: the most probable class (argmax), or 0/1 at the 0.5 threshold for
/// a single sigmoid output. -Sample draws class indices at random instead, as text generators do: each row's class is
/// drawn from softmax(log(p) / Temperature), i.e. with weights p^(1/Temperature). -Temperature 1 (the default) samples
/// the model's own distribution, values below 1 sharpen it towards the most probable class (0 is argmax, as -Class),
/// values above 1 flatten it. Giving -Temperature or -Seed implies -Sample. The same -Seed gives the same draws; when
/// generating step by step, change the seed at every step (-Seed ($seed + $step)) or the draws repeat. Sampling needs a
/// softmax or sigmoid last layer. Sampled indices have the shape -Class gives: (samples), or (samples, time steps) for
/// per-step outputs.</para>
/// <para type="description">-Stream (from New-RnnStream) runs the model as endless streams instead: -X is the next chunk
/// (sequences, steps, features) of any number of steps, or (steps, features) for a stream of one sequence, and the
/// result is the outputs for that chunk, per step when the model returns sequences, else after the chunk's last step;
/// the stream remembers the states for the next call. Fed chunk by chunk, a sequence gives the same outputs as given
/// whole. -Class or -Sample works on a stream's outputs as on a model's (with a stream, -Temperature and -Seed go with an
/// explicit -Sample). A float32 tensor chunk is read in place and the
/// stream reuses its buffers from call to call: only the returned outputs are new. Not thread-safe: one call on a
/// stream at a time.</para>
/// <para type="description">-Path (wildcards) or -LiteralPath (Get-ChildItem output binds here) names WAV files
/// instead: each is read through the model's audio recipe (Set-RnnAudioRecipe, kept in its model file), the files are
/// stacked as Import-RnnAudio -Model -Stack stacks them, and each gives one RnnAudioPrediction: Path, Class (the
/// recipe's class name), ClassIndex and Probability.</para>
/// <para type="description">-Text takes raw strings instead, for a model given a vocabulary (Set-RnnVocabulary, kept
/// in its model file): each is made into token ids by that vocabulary and gives one RnnTextPrediction: Text, Class (the
/// recorded class name), ClassIndex and Probability. A model without a vocabulary is refused (TextRecipeMissing).</para>
/// <para type="description">-Decode Greedy|Beam turns a CTC model's per-step softmax outputs (symbol 0 the blank) into
/// label sequences, one RnnTranscription per sample: Sample, Labels, Text (the -ClassNames of the labels joined by
/// -Separator) and LogProbability. -ClassNames names the symbols other than the blank, label 1 first. A model without a recipe is refused (AudioRecipeMissing); a file
/// that is missing or not readable audio is a non-terminating error naming it, and the others are still predicted.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Invoke-RnnPrediction -X $xTest -Class
///   </code>
///   <para>The predicted class of each test sample, as np.argmax(model.predict(x), axis=-1).</para>
/// </example>
/// <example>
///   <code>
///     $next = $model | Invoke-RnnPrediction -X $window -Sample -Temperature 0.8 -Seed ($seed + $step)
///     $next.GetValue(0, -1)
///   </code>
///   <para>For a character model with per-step softmax outputs: draws the next character of every step at temperature
///   0.8 and takes the last step's, as Keras's text-generation example's sample(preds, 0.8).</para>
/// </example>
/// <example>
///   <code>
///     $model | Invoke-RnnPrediction -X $xTest -Decode Beam -BeamWidth 16 -ClassNames (0..9) -Separator ' '
///   </code>
///   <para>For a CTC model over the ten digits plus the blank: each utterance's digit string, such as "3 1 4", with its
///   log probability.</para>
/// </example>
/// <example>
///   <code>
///     $model = Import-RnnModel ./digits.safetensors
///     Get-ChildItem ./new -Filter *.wav | Invoke-RnnPrediction -Model $model | Format-Table Path, Class, Probability
///   </code>
///   <para>Names the digit spoken in each new file, with the model's own feature recipe (see Set-RnnAudioRecipe).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $model = New-RnnModel -InputShape 0, 1 -Seed 1 | Add-GruLayer 4 | Add-DenseLayer 1
///     $stream = $model | New-RnnStream
///     foreach ($chunk in @(0.1, 0.2), @(0.3), @(0.4, 0.5, 0.6)) {
///         Invoke-RnnPrediction -Stream $stream -X (ConvertTo-RnnTensor ([float[]] $chunk) -Shape $chunk.Count, 1)
///     }
///   </code>
///   <para>Runs as written: a sequence of six steps fed in three chunks; each call returns the output after its chunk's
///   last step, the same as predicting the first 2, 3 and 6 steps whole.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Cos($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 16 | Add-DenseLayer 3 -Activation softmax
///     $full = $model | Invoke-RnnPrediction -X $x
///     $int8 = $model | Invoke-RnnPrediction -X $x -Precision Int8
///     (0..23 | ForEach-Object { [math]::Abs($full.Data[$_] - $int8.Data[$_]) } | Measure-Object -Maximum).Maximum
///   </code>
///   <para>Runs as written: the largest change int8 weights make to the (untrained) model's probabilities, about
///   1e-4.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 3 -Activation softmax
///     $model | Invoke-RnnPrediction -X $x              # (8, 3) probabilities
///     $model | Invoke-RnnPrediction -X $x -Class       # (8,) class indices
///   </code>
///   <para>Runs as written: the outputs of an (untrained) model for eight sequences.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "RnnPrediction", DefaultParameterSetName = ProbabilitiesSet)]
[OutputType(typeof(Tensor), typeof(RnnAudioPrediction), typeof(RnnTranscription), typeof(RnnTextPrediction))]
public sealed class InvokeRnnPredictionCommand : PSCmdlet
{
    private const string ProbabilitiesSet = "Probabilities";
    private const string ClassSet = "Class";
    private const string SampleSet = "Sample";
    private const string StreamSet = "Stream";
    private const string StreamClassSet = "StreamClass";
    private const string StreamSampleSet = "StreamSample";
    private const string AudioPathSet = "AudioPath";
    private const string AudioLiteralPathSet = "AudioLiteralPath";
    private const string DecodeSet = "Decode";
    private const string TextSet = "Text";

    private readonly List<string> _audioFiles = [];
    private readonly List<string> _texts = [];

    /// <summary>
    /// <para type="description">The model; it comes from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ProbabilitiesSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ClassSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SampleSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = DecodeSet)]
    [Parameter(Mandatory = true, ParameterSetName = AudioPathSet)]
    [Parameter(Mandatory = true, ParameterSetName = AudioLiteralPathSet)]
    [Parameter(Mandatory = true, ParameterSetName = TextSet)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">A stream from New-RnnStream, instead of a model: -X is then the next chunk of its
    /// sequences, and the stream keeps the states for the next call. Accepts pipeline input.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = StreamSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = StreamClassSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = StreamSampleSet)]
    [ValidateNotNull]
    public RnnStream Stream { get; set; } = null!;

    /// <summary>
    /// <para type="description">The samples: (samples, time steps, features), or (samples, tokens) for Embedding models.
    /// With -Stream, the next chunk: (sequences, steps, features) of any number of steps, or (steps, features) for a
    /// stream of one sequence.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ProbabilitiesSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ClassSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SampleSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DecodeSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StreamSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StreamClassSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StreamSampleSet)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor X { get; set; } = null!;

    /// <summary>
    /// <para type="description">WAV files to name the class of (wildcards allowed; from the pipeline too), instead of
    /// -X: each is read through the model's audio recipe (Set-RnnAudioRecipe; kept in its model file) exactly as
    /// Import-RnnAudio -Model -Stack reads them, and gives one object with Path, Class (the class name), ClassIndex and
    /// Probability. A model without a recipe is refused (AudioRecipeMissing); a file that cannot be read is a
    /// non-terminating error naming it, and the others are still predicted.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = AudioPathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>
    /// <para type="description">Raw strings to classify, instead of -X (piped strings are -Path's WAV files): each is made into token
    /// ids by the model's vocabulary (Set-RnnVocabulary; kept in its model file) exactly as ConvertTo-RnnTokenId with the
    /// recorded sequence length and sides, and gives one object with Text, Class (the recorded class name), ClassIndex and
    /// Probability. A model without a vocabulary is refused (TextRecipeMissing); input that is not a string too
    /// (TextInputNotString).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = TextSet)]
    [AllowEmptyString]
    [AllowNull]
    public object?[] Text { get; set; } = [];

    /// <summary>
    /// <para type="description">WAV files as -Path, taken literally (no wildcards). Get-ChildItem output binds here.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = AudioLiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>
    /// <para type="description">Samples per forward pass (default 32). Not with -Stream: a stream's chunks have its
    /// own batch size (New-RnnStream -BatchSize).</para>
    /// </summary>
    [Parameter(ParameterSetName = ProbabilitiesSet)]
    [Parameter(ParameterSetName = ClassSet)]
    [Parameter(ParameterSetName = SampleSet)]
    [Parameter(ParameterSetName = DecodeSet)]
    [Parameter(ParameterSetName = AudioPathSet)]
    [Parameter(ParameterSetName = AudioLiteralPathSet)]
    [Parameter(ParameterSetName = TextSet)]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// <para type="description">The number of threads the engine's matrix products use (default: one per processor). Results are identical for a given count.</para>
    /// </summary>
    [Parameter(ParameterSetName = ProbabilitiesSet)]
    [Parameter(ParameterSetName = ClassSet)]
    [Parameter(ParameterSetName = SampleSet)]
    [Parameter(ParameterSetName = DecodeSet)]
    [Parameter(ParameterSetName = AudioPathSet)]
    [Parameter(ParameterSetName = AudioLiteralPathSet)]
    [Parameter(ParameterSetName = TextSet)]
    [ValidateRange(1, 1024)]
    public int? ThreadCount { get; set; }

    /// <summary>
    /// <para type="description">How the kernels of the Dense and recurrent layers (W and U) are read: Float32 (the
    /// default: the weights as trained, the same results as without -Precision), Int8 (symmetric per-column int8 as ONNX
    /// Runtime's dynamic quantization of weights: a quarter of the bytes) or BFloat16 (half the bytes). Activations stay
    /// float32; the products widen the weights in registers, so a product that waits on memory (a large input kernel, a
    /// batch-1 step whose U is out of cache) runs faster, at a small change in the outputs (measure it with
    /// Measure-RnnModel -Precision). The quantized copies are made on first use and kept with the model until its
    /// weights change; they are not saved in model files. Not with -Engine OnnxRuntime, which runs the float32 model
    /// (PrecisionNeedsPSRnnEngine).</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(PrecisionCompleter))]
    [ValidateNotNullOrEmpty]
    public string Precision { get; set; } = nameof(WeightPrecision.Float32);

    /// <summary>
    /// <para type="description">What computes the outputs: PSRnn (its own CPU engine, the default) or OnnxRuntime — the
    /// model exported to ONNX as Export-RnnModel -Format Onnx writes it and run by Microsoft.ML.OnnxRuntime with
    /// -ExecutionProvider, for hardware PSRnn's engine does not drive (a GPU through CUDA or DirectML, an NPU, OpenVINO).
    /// The managed API ships with PSRnn; the native library comes from the companion module PSRnn.OnnxRuntime (ONNX
    /// Runtime's CPU build for every desktop platform, 130 MB, kept out of this module), or from $env:PSRNN_ONNXRUNTIME (a
    /// library file or its folder: a GPU build), or the system (OnnxRuntimeNotFound otherwise). The session is made once
    /// per model, provider and thread count and reused while the model's weights are unchanged. -Class and -Sample work
    /// on its outputs as on PSRnn's; -Decode, -Stream, -Path and -Text run on PSRnn's engine.</para>
    /// </summary>
    [Parameter(ParameterSetName = ProbabilitiesSet)]
    [Parameter(ParameterSetName = ClassSet)]
    [Parameter(ParameterSetName = SampleSet)]
    public PredictionEngine Engine { get; set; } = PredictionEngine.PSRnn;

    /// <summary>
    /// <para type="description">With -Engine OnnxRuntime, the execution provider: CPU (the default), CUDA, DirectML,
    /// TensorRT, ROCm, MIGraphX, DNNL, or any name ONNX Runtime's generic entry point takes (OpenVINO, CoreML, XNNPACK,
    /// QNN, WebGPU, …). One the native library was not built with is refused (OnnxRuntimeProviderUnavailable), naming the
    /// providers it has.</para>
    /// </summary>
    [Parameter(ParameterSetName = ProbabilitiesSet)]
    [Parameter(ParameterSetName = ClassSet)]
    [Parameter(ParameterSetName = SampleSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ExecutionProviderCompleter))]
    public string ExecutionProvider { get; set; } = "CPU";

    /// <summary>
    /// <para type="description">With -Engine OnnxRuntime and a GPU provider (CUDA, DirectML, TensorRT, ROCm, MIGraphX),
    /// the device (default 0).</para>
    /// </summary>
    [Parameter(ParameterSetName = ProbabilitiesSet)]
    [Parameter(ParameterSetName = ClassSet)]
    [Parameter(ParameterSetName = SampleSet)]
    [ValidateRange(0, 1024)]
    public int DeviceId { get; set; }

    /// <summary>
    /// <para type="description">With -Engine OnnxRuntime, the execution provider's options as ONNX Runtime names them, passed
    /// as given: for CUDA its OrtCUDAProviderOptions keys (@{ gpu_mem_limit = '2147483648' }), for OpenVINO
    /// @{ device_type = 'GPU' }, and so on.</para>
    /// </summary>
    [Parameter(ParameterSetName = ProbabilitiesSet)]
    [Parameter(ParameterSetName = ClassSet)]
    [Parameter(ParameterSetName = SampleSet)]
    [ValidateNotNull]
    public System.Collections.Hashtable? ExecutionProviderOption { get; set; }

    /// <summary>
    /// <para type="description">Returns class indices (int64) instead of probabilities.</para>
    /// </summary>
    [Parameter(ParameterSetName = ClassSet)]
    [Parameter(Mandatory = true, ParameterSetName = StreamClassSet)]
    public SwitchParameter Class { get; set; }

    /// <summary>
    /// <para type="description">Returns class indices (int64) drawn at random from the predicted probabilities, at
    /// -Temperature.</para>
    /// </summary>
    [Parameter(ParameterSetName = SampleSet)]
    [Parameter(Mandatory = true, ParameterSetName = StreamSampleSet)]
    public SwitchParameter Sample { get; set; }

    /// <summary>
    /// <para type="description">The sampling temperature T, 0 or more (default 1): classes are drawn with weights
    /// p^(1/T); 0 is argmax. Implies -Sample (with -Stream, give -Sample too).</para>
    /// </summary>
    [Parameter(ParameterSetName = SampleSet)]
    [Parameter(ParameterSetName = StreamSampleSet)]
    public double Temperature { get; set; } = 1.0;

    /// <summary>
    /// <para type="description">Seeds the draws of -Sample, so the same seed gives the same classes; by default they
    /// differ run to run. Implies -Sample (with -Stream, give -Sample too).</para>
    /// </summary>
    [Parameter(ParameterSetName = SampleSet)]
    [Parameter(ParameterSetName = StreamSampleSet)]
    public ulong? Seed { get; set; }

    /// <summary>
    /// <para type="description">Decodes the per-step softmax outputs of a CTC model (symbol 0 the blank) into label
    /// sequences: Greedy (best path: the most probable symbol of each real step, repeats collapsed, blanks dropped) or Beam
    /// (CTC prefix beam search, -BeamWidth prefixes, no language model). Gives one object per sample: Sample, Labels (the
    /// symbol indices 1 … C − 1), Text (with -ClassNames) and LogProbability (of the best path for Greedy, of the labels'
    /// alignments the beam kept for Beam). Padding steps (the mask's) are not read. The model must end in a per-step
    /// softmax (DecodeNeedsPerStepSoftmax).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = DecodeSet)]
    public CtcDecoding Decode { get; set; }

    /// <summary>
    /// <para type="description">With -Decode Beam, the prefixes kept at each step (default 100, as Keras's ctc_decode);
    /// wider is slower and closer to the most probable label sequence.</para>
    /// </summary>
    [Parameter(ParameterSetName = DecodeSet)]
    [ValidateRange(1, 1_000_000)]
    public int BeamWidth { get; set; } = CtcDecoder.DefaultBeamWidth;

    /// <summary>
    /// <para type="description">With -Decode, the names of the symbols other than the blank, in index order: the first
    /// names label 1, the last label C − 1 (for digits: -ClassNames (0..9)). Each sample's Text is its labels' names
    /// joined by -Separator.</para>
    /// </summary>
    [Parameter(ParameterSetName = DecodeSet)]
    [ValidateNotNullOrEmpty]
    public string[]? ClassNames { get; set; }

    /// <summary>
    /// <para type="description">With -Decode and -ClassNames, what goes between the names in Text (default: nothing, for
    /// characters; ' ' for words).</para>
    /// </summary>
    [Parameter(ParameterSetName = DecodeSet)]
    [ValidateNotNull]
    public string Separator { get; set; } = string.Empty;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        using InferencePrecision.Scope precision = InferencePrecision.Use(PrecisionArgument.Resolve(this, Precision));
        if (ParameterSetName == TextSet)
        {
            return;
        }

        if (ParameterSetName is AudioPathSet or AudioLiteralPathSet)
        {
            bool literal = ParameterSetName == AudioLiteralPathSet;
            foreach (string path in literal ? LiteralPath : Path)
            {
                _audioFiles.AddRange(PathResolver.ResolveExisting(this, path, literal, "WAV"));
            }

            return;
        }

        bool streaming = ParameterSetName is StreamSet or StreamClassSet or StreamSampleSet;
        if (streaming)
        {
            Model = Stream.Model;
        }

        ModelData.RequireLayers(this, Model);
        // -Temperature or -Seed alone select the Sample set; an explicit -Sample:$false still means probabilities.
        bool sampling = (ParameterSetName is SampleSet && !(MyInvocation.BoundParameters.ContainsKey(nameof(Sample)) && !Sample)) ||
            (ParameterSetName is StreamSampleSet && Sample);
        if (sampling)
        {
            CheckSampling();
        }

        if (streaming)
        {
            PredictStream(sampling);
            return;
        }

        OnnxRuntimePrediction.CheckEngineArguments(this, Engine);
        if (Engine == PredictionEngine.OnnxRuntime && InferencePrecision.Current != WeightPrecision.Float32)
        {
            // ONNX Runtime runs the exported float32 graph: -Precision is PSRnn's engine's.
            ThrowTerminatingError(Errors.Create("PrecisionNeedsPSRnnEngine", ErrorCategory.InvalidArgument, Precision,
                $"-Precision {Precision} is how PSRnn's own engine reads the weights; ONNX Runtime runs the float32 model. Drop one of -Precision and -Engine OnnxRuntime."));
        }

        Dataset data = ModelData.Create(this, Model, X, null);
        if (ParameterSetName == DecodeSet)
        {
            WriteDecoded(data);
            return;
        }

        float[] outputs;
        try
        {
            outputs = Engine == PredictionEngine.OnnxRuntime ? OnnxRuntimePrediction.Run(this, Model, data, ExecutionProvider, DeviceId,
                ExecutionProviderOption, BatchSize, ThreadCount) : Trainer.Predict(Model, data, BatchSize, ThreadCount);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }

        SampleShape shape = Model.OutputShape;
        // Steps come from the outputs, not the input: token ids into an Embedding arrive as (N, T) with one "step".
        int[] dims = shape.IsSequence ? [data.Count, outputs.Length / (data.Count * shape.Features), shape.Features] : [data.Count, shape.Features];
        if (sampling)
        {
            long[] drawn;
            try
            {
                drawn = Sampling.Sample(outputs, shape.Features, Temperature, new Rng(Seed ?? Rng.NewSeed()));
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, Sampling.BadProbabilitiesErrorId, ErrorCategory.InvalidResult, Model));
                return;
            }

            WriteObject(new Tensor(drawn, dims[..^1]));
            return;
        }

        if (!Class)
        {
            WriteObject(new Tensor(outputs, dims));
            return;
        }

        WriteObject(new Tensor(Trainer.ToClasses(outputs, shape.Features), dims[..^1]));
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        using InferencePrecision.Scope precision = InferencePrecision.Use(PrecisionArgument.Resolve(this, Precision));
        if (ParameterSetName is AudioPathSet or AudioLiteralPathSet && !Stopping)
        {
            AudioPrediction.Run(this, Model, _audioFiles, BatchSize, ThreadCount);
        }
        else if (ParameterSetName == TextSet && !Stopping)
        {
            TextArguments.Gather(this, Text, _texts);
            TextPrediction.Run(this, Model, _texts, BatchSize, ThreadCount);
        }
    }

    /// <summary>Feeds -X to the stream as its next chunk and writes the outputs for it.</summary>
    private void PredictStream(bool sampling)
    {
        Activations y;
        try
        {
            (ReadOnlyMemory<float> chunk, int steps) = StreamChunk.Read(Stream, X);
            y = Stream.Predict(chunk.Span, steps);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, X));
            return;
        }

        // The outputs live in the model's buffer until the next call: what is written is a copy (or its classes).
        int[] dims = y.IsSequence ? [y.Batch, y.Time, y.Features] : [y.Batch, y.Features];
        if (sampling)
        {
            long[] drawn;
            try
            {
                drawn = Sampling.Sample(y.Span, y.Features, Temperature, new Rng(Seed ?? Rng.NewSeed()));
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, Sampling.BadProbabilitiesErrorId, ErrorCategory.InvalidResult, Model));
                return;
            }

            WriteObject(new Tensor(drawn, dims[..^1]));
        }
        else if (Class)
        {
            WriteObject(new Tensor(Trainer.ToClasses(y.Span, y.Features), dims[..^1]));
        }
        else
        {
            WriteObject(new Tensor(y.Span.ToArray(), dims));
        }
    }

    /// <summary>Decodes every sample with the CTC decoder and writes one RnnTranscription each.</summary>
    private void WriteDecoded(Dataset data)
    {
        if (Decode != CtcDecoding.Beam && MyInvocation.BoundParameters.ContainsKey(nameof(BeamWidth)))
        {
            ThrowTerminatingError(Errors.Create("BeamWidthNeedsBeam", ErrorCategory.InvalidArgument, BeamWidth,
                "-BeamWidth is the width of the beam search: give it with -Decode Beam."));
        }

        int labels = Model.OutputShape.Features - 1;
        if (ClassNames is not null && ClassNames.Length != labels && Model.OutputShape.IsSequence)
        {
            ThrowTerminatingError(Errors.Create("ClassNamesCountMismatch", ErrorCategory.InvalidArgument, ClassNames,
                $"-ClassNames has {ClassNames.Length} names but the model has {labels} symbols besides the blank (0); name symbols 1 … {labels}, in order."));
        }

        CtcHypothesis[] decoded;
        try
        {
            decoded = CtcDecoder.Decode(Model, data, Decode, BeamWidth, BatchSize, ThreadCount);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }

        for (int i = 0; i < decoded.Length; i++)
        {
            string? text = ClassNames is null ? null : string.Join(Separator, decoded[i].Labels.Select(l => ClassNames[l - 1]));
            WriteObject(new RnnTranscription(i, decoded[i].Labels, text, decoded[i].LogProbability));
        }
    }

    /// <summary>Refuses a bad temperature, and outputs that are not probabilities, before any work.</summary>
    private void CheckSampling()
    {
        if (!double.IsFinite(Temperature) || Temperature < 0)
        {
            ThrowTerminatingError(Errors.Create(Sampling.BadTemperatureErrorId, ErrorCategory.InvalidArgument, Temperature,
                $"-Temperature {Temperature}: give 0 (argmax) or more; 1 samples the model's own distribution."));
        }

        // Sampling reads the outputs as probabilities: only a softmax or sigmoid output layer makes them.
        if (Model.Layers[^1] is not Dense { Activation: ActivationKind.Softmax or ActivationKind.Sigmoid })
        {
            ThrowTerminatingError(Errors.Create(Sampling.BadProbabilitiesErrorId, ErrorCategory.InvalidOperation, Model,
                "-Sample draws classes from probabilities, but the model's last layer is not a Dense layer with a softmax or sigmoid activation. Add one (Add-DenseLayer n -Activation softmax)."));
        }
    }
}
