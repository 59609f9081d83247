using System.Collections.ObjectModel;
using System.Management.Automation;
using PSRnn.Engine.IO;

namespace PSRnn.Infrastructure;

/// <summary>Turns -Path (wildcards) and -LiteralPath arguments into file-system paths, as PowerShell's own cmdlets do.</summary>
internal static class PathResolver
{
    /// <summary>
    /// Resolves existing files. A path that matches nothing is reported as a non-terminating PathNotFound error;
    /// a path of another provider is reported too. Folders are skipped with an error that asks for a <paramref name="fileKind"/> file.
    /// </summary>
    public static IEnumerable<string> ResolveExisting(PSCmdlet cmdlet, string path, bool literal, string fileKind = ".npy or .npz")
    {
        List<string> resolved = [];
        try
        {
            ProviderInfo provider;
            if (literal)
            {
                string one = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
                if (provider.Name == "FileSystem" && (File.Exists(one) || Directory.Exists(one)))
                {
                    resolved.Add(one);
                }
            }
            else
            {
                resolved.AddRange(cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider));
            }

            if (provider.Name != "FileSystem")
            {
                cmdlet.WriteError(Errors.Create("PathNotFileSystem", ErrorCategory.InvalidArgument, path,
                    $"Path '{path}' is on the {provider.Name} provider; PSRnn reads files from the file system only."));
                return [];
            }
        }
        catch (ItemNotFoundException)
        {
            resolved.Clear();
        }

        if (resolved.Count == 0)
        {
            cmdlet.WriteError(Errors.PathNotFound(path));
            return [];
        }

        List<string> files = [];
        foreach (string file in resolved)
        {
            if (Directory.Exists(file))
            {
                cmdlet.WriteError(Errors.Create("PathIsFolder", ErrorCategory.InvalidArgument, file,
                    $"'{file}' is a folder; give a {fileKind} file, or pipe Get-ChildItem -File."));
            }
            else
            {
                files.Add(file);
            }
        }

        return files;
    }

    /// <summary>
    /// Resolves a path for a file that may not exist yet. With wildcards (and not literal) the pattern must
    /// match exactly one existing item. Throws a terminating error (via the cmdlet) otherwise.
    /// </summary>
    public static string ResolveForWrite(PSCmdlet cmdlet, string path, bool literal)
    {
        ProviderInfo provider;
        string result;
        if (!literal && WildcardPattern.ContainsWildcardCharacters(path))
        {
            Collection<string> matches;
            try
            {
                matches = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
            }
            catch (ItemNotFoundException)
            {
                matches = [];
                provider = null!;
            }

            if (matches.Count != 1)
            {
                cmdlet.ThrowTerminatingError(Errors.Create("PathNotSingleFile", ErrorCategory.InvalidArgument, path,
                    $"Path '{path}' has wildcards and matches {matches.Count} items; to write, it must name one file. " +
                    "Use -LiteralPath for names with wildcard characters."));
            }

            result = matches[0];
        }
        else
        {
            result = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }

        if (provider.Name != "FileSystem")
        {
            cmdlet.ThrowTerminatingError(Errors.Create("PathNotFileSystem", ErrorCategory.InvalidArgument, path,
                $"Path '{path}' is on the {provider.Name} provider; PSRnn writes files to the file system only."));
        }

        return result;
    }

    /// <summary>
    /// The checks every Export cmdlet makes before writing <paramref name="file"/>: its folder exists, it is not a folder
    /// nor any other thing than a regular file (or a link to one: written through), and an existing file is replaced only
    /// with -Force. Each failure is a terminating error with a stable ID.
    /// </summary>
    /// <returns>Whether the file exists (and will be replaced).</returns>
    public static bool CheckWriteTarget(PSCmdlet cmdlet, string file, bool force)
    {
        string? folder = Path.GetDirectoryName(file);
        if (folder is not null && !Directory.Exists(folder))
        {
            cmdlet.ThrowTerminatingError(Errors.Create("ExportFolderNotFound", ErrorCategory.ObjectNotFound, file,
                $"Cannot write '{file}': the folder '{folder}' does not exist."));
        }

        if (Directory.Exists(file))
        {
            cmdlet.ThrowTerminatingError(Errors.Create("ExportPathIsFolder", ErrorCategory.InvalidArgument, file,
                $"Cannot write '{file}': it is a folder."));
        }

        // A FIFO, a device, a socket, or a link that dangles or leads to one: refused before -WhatIf/-Confirm, not replaced.
        try
        {
            AtomicFile.ResolveTarget(file);
        }
        catch (FileWriteException e)
        {
            cmdlet.ThrowTerminatingError(Errors.WriteFailed(e.ErrorId, file, Errors.Describe(e), e));
        }

        bool exists = File.Exists(file);
        if (exists && !force)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(
                new IOException($"The file '{file}' already exists. Use -Force to replace it."),
                "ExportFileExists", ErrorCategory.ResourceExists, file));
        }

        return exists;
    }
}
