using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Infrastructure;
using PSRnn.Models;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Records in a model how audio becomes its input: the Import-RnnAudio recipe, saved with the model.</para>
/// <para type="description">Gives the model the recipe of the features it is trained on — the sample rate, feature
/// kind, coefficients, mel bands, deltas, silence trimming, normalization, frames, padding and truncating sides, padding
/// value, and the class names in output order — from the RnnAudioDataset that Import-RnnAudio -Stack returned (its
/// Recipe), or from a recipe object. Export-RnnModel saves it in the model file (safetensors metadata audio_recipe) and
/// Import-RnnModel reads it back, so that Import-RnnAudio -Model and Invoke-RnnPrediction -Path make exactly those
/// features from new files, as Keras keeps preprocessing inside the model. Training checkpoints keep it too.</para>
/// <para type="description">The recipe is checked against the model: its features per step must be the model's input
/// features, its frames the model's steps (a recipe without -Frames takes a fixed-step model's steps), and, once the
/// model has layers, its classes the model's outputs (one sigmoid output serves two classes); otherwise
/// AudioRecipeMismatch, and the model is left unchanged. Setting a recipe replaces the one the model had.</para>
/// </summary>
/// <example>
///   <code>
///     $data = Get-ChildItem ./digits -Recurse -Filter *.wav |
///         Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Frames 100 -Stack
///     $model = New-RnnModel -InputShape 100, 13 -Seed 1 | Add-LstmLayer 64 | Add-DenseLayer $data.Classes.Count -Activation softmax |
///         Set-RnnAudioRecipe -Dataset $data -PassThru
///     $model | Invoke-RnnTraining -X $data.X -Y $data.Y -Epochs 10
///     $model | Export-RnnModel ./digits.safetensors
///   </code>
///   <para>The model file keeps the recipe: later, Invoke-RnnPrediction -Model (Import-RnnModel ./digits.safetensors) -Path ./new/*.wav
///   names the digit of each new file.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $le = { param($v) [BitConverter]::GetBytes($v) }
///     $pcm = [int16[]] (0..7999 | ForEach-Object { 8000 * [math]::Sin($_ * 2 * [math]::PI * 440 / 16000) })
///     $bytes = [byte[]]::new(16000); [Buffer]::BlockCopy($pcm, 0, $bytes, 0, 16000)
///     $header = [Text.Encoding]::ASCII.GetBytes('RIFF') + (&amp; $le 16036) + [Text.Encoding]::ASCII.GetBytes('WAVEfmt ') + (&amp; $le 16) +
///         (&amp; $le ([int16] 1)) + (&amp; $le ([int16] 1)) + (&amp; $le 16000) + (&amp; $le 32000) + (&amp; $le ([int16] 2)) + (&amp; $le ([int16] 16)) +
///         [Text.Encoding]::ASCII.GetBytes('data') + (&amp; $le 16000)
///     [IO.File]::WriteAllBytes("$PWD/tone.wav", [byte[]] ($header + $bytes))
///     $data = Import-RnnAudio ./tone.wav -Normalize -Frames 60 -Stack
///     $model = New-RnnModel -InputShape 60, 13 -Seed 1 | Add-GruLayer 8 | Set-RnnAudioRecipe -Dataset $data -PassThru
///     $model.AudioRecipe.Frames
///   </code>
///   <para>Runs as written: half a second of a 440 Hz tone read as 13 normalized MFCCs in 60 frames; the model
///   records that recipe (60).</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "RnnAudioRecipe", SupportsShouldProcess = true, DefaultParameterSetName = DatasetSet)]
[OutputType(typeof(Sequential))]
public sealed class SetRnnAudioRecipeCommand : PSCmdlet
{
    private const string DatasetSet = "Dataset";
    private const string RecipeSet = "Recipe";

    /// <summary>
    /// <para type="description">The model; it comes from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The dataset from Import-RnnAudio -Stack the model is trained on: its Recipe is recorded.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DatasetSet)]
    [ValidateNotNull]
    public RnnAudioDataset Dataset { get; set; } = null!;

    /// <summary>
    /// <para type="description">A recipe, such as another model's AudioRecipe or a dataset's Recipe.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = RecipeSet)]
    [ValidateNotNull]
    public AudioRecipe Recipe { get; set; } = null!;

    /// <summary>
    /// <para type="description">Passes the model on.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        AudioRecipe recipe = ParameterSetName == DatasetSet ? Dataset.Recipe : Recipe;
        try
        {
            recipe.Validate();
            recipe = recipe.FitTo(Model);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("AudioRecipeInvalid", ErrorCategory.InvalidArgument, recipe, Errors.Describe(e), e));
        }

        if (ShouldProcess(Model.Name, "Set audio recipe"))
        {
            Model.AudioRecipe = recipe;
        }

        if (PassThru)
        {
            WriteObject(Model);
        }
    }
}
