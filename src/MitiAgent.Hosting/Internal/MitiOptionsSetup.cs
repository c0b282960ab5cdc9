using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace MitiAgent.Hosting.Internal;

/// <summary>
/// Reads <see cref="MitiAgentOptions"/> from a configuration section key by key (no reflection binder, so it is trim and
/// AOT safe) and validates the result at startup. A value that does not parse does not throw while the options are being
/// built: it is remembered and reported by <see cref="Validate"/>, together with the rules of
/// <see cref="MitiAgentOptions.Validate"/>, as one <see cref="OptionsValidationException"/> that names every bad key.
/// </summary>
internal sealed class MitiOptionsSetup : IConfigureOptions<MitiAgentOptions>, IValidateOptions<MitiAgentOptions>
{
    /// <summary>The keys read from the section (case-insensitive, as configuration keys are).</summary>
    internal static readonly string[] Keys =
    [
        nameof(MitiAgentOptions.AppId),
        nameof(MitiAgentOptions.AppSecret),
        nameof(MitiAgentOptions.BaseUrl),
        nameof(MitiAgentOptions.MaxConcurrency),
        nameof(MitiAgentOptions.HandlerQueueCapacity),
        nameof(MitiAgentOptions.OverloadConcurrency),
        nameof(MitiAgentOptions.CancelQueueCapacity),
        nameof(MitiAgentOptions.ShutdownTimeout),
        nameof(MitiAgentOptions.SeenEventCapacity),
        nameof(MitiAgentOptions.SeenEventTtl),
        nameof(MitiAgentOptions.MaxSendRetries),
        nameof(MitiAgentOptions.ConnectTimeout),
        nameof(MitiAgentOptions.StartupTimeout),
        nameof(MitiAgentOptions.StreamDeltaInterval),
    ];

    private const int MaxEchoedValueLength = 40;
    private readonly IConfiguration? _configuration;
    private readonly string? _sectionPath;
    private readonly ConditionalWeakTable<MitiAgentOptions, List<string>> _readErrors = new();

    public MitiOptionsSetup(IConfiguration? configuration, string? sectionPath)
    {
        _configuration = configuration;
        _sectionPath = string.IsNullOrWhiteSpace(sectionPath) ? null : sectionPath;
    }

    /// <summary>Whether a configuration section is read at all.</summary>
    private bool ReadsConfiguration => _configuration is not null && _sectionPath is not null;

    public void Configure(MitiAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!ReadsConfiguration)
        {
            return;
        }

        var section = _configuration!.GetSection(_sectionPath!);
        var errors = new List<string>();
        ReadString(section, nameof(MitiAgentOptions.AppId), v => options.AppId = v);
        ReadString(section, nameof(MitiAgentOptions.AppSecret), v => options.AppSecret = v);
        ReadString(section, nameof(MitiAgentOptions.BaseUrl), v => options.BaseUrl = v);
        ReadInt(section, nameof(MitiAgentOptions.MaxConcurrency), errors, v => options.MaxConcurrency = v);
        ReadInt(section, nameof(MitiAgentOptions.HandlerQueueCapacity), errors, v => options.HandlerQueueCapacity = v);
        ReadInt(section, nameof(MitiAgentOptions.OverloadConcurrency), errors, v => options.OverloadConcurrency = v);
        ReadInt(section, nameof(MitiAgentOptions.CancelQueueCapacity), errors, v => options.CancelQueueCapacity = v);
        ReadTimeSpan(section, nameof(MitiAgentOptions.ShutdownTimeout), errors, v => options.ShutdownTimeout = v);
        ReadInt(section, nameof(MitiAgentOptions.SeenEventCapacity), errors, v => options.SeenEventCapacity = v);
        ReadTimeSpan(section, nameof(MitiAgentOptions.SeenEventTtl), errors, v => options.SeenEventTtl = v);
        ReadInt(section, nameof(MitiAgentOptions.MaxSendRetries), errors, v => options.MaxSendRetries = v);
        ReadTimeSpan(section, nameof(MitiAgentOptions.ConnectTimeout), errors, v => options.ConnectTimeout = v);
        ReadTimeSpan(section, nameof(MitiAgentOptions.StartupTimeout), errors, v => options.StartupTimeout = v);
        ReadTimeSpan(section, nameof(MitiAgentOptions.StreamDeltaInterval), errors, v => options.StreamDeltaInterval = v);
        if (errors.Count > 0)
        {
            _readErrors.AddOrUpdate(options, errors);
        }
    }

    public ValidateOptionsResult Validate(string? name, MitiAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(name ?? Options.DefaultName, Options.DefaultName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip; // the hosted agent uses the unnamed options only
        }

        var failures = new List<string>();
        if (_readErrors.TryGetValue(options, out var readErrors))
        {
            failures.AddRange(readErrors);
        }

        try
        {
            options.Validate();
            if (string.IsNullOrWhiteSpace(options.BaseUrl))
            {
                // No base URL configured: the client falls back to MITI_API_BASE_URL, so check that one now too.
                MitiEndpoints.Resolve(options.BaseUrl);
            }
        }
        catch (MitiConfigurationException ex)
        {
            failures.Add(WithConfigurationHint(ex.Message));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Keys under the section that are not settings of <see cref="MitiAgentOptions"/> (probably typos).</summary>
    public IReadOnlyList<string> UnknownKeys()
    {
        if (!ReadsConfiguration)
        {
            return [];
        }

        var unknown = new List<string>();
        foreach (var child in _configuration!.GetSection(_sectionPath!).GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                unknown.Add(child.Path);
            }
        }

        return unknown;
    }

    /// <summary>The configuration key of a setting, e.g. <c>Miti:AppSecret</c>.</summary>
    private string KeyPath(string key) => _sectionPath + ConfigurationPath.KeyDelimiter + key;

    /// <summary>
    /// Adds where to set the value to a message of <see cref="MitiAgentOptions.Validate"/> or <see cref="MitiEndpoints.Resolve"/>,
    /// which name the setting as <c>MitiAgentOptions.Name</c> (and never show a secret).
    /// </summary>
    private string WithConfigurationHint(string message)
    {
        if (!ReadsConfiguration)
        {
            return message;
        }

        foreach (string key in Keys)
        {
            if (NamesSetting(message, "MitiAgentOptions." + key))
            {
                string environmentVariable = KeyPath(key).Replace(ConfigurationPath.KeyDelimiter, "__", StringComparison.Ordinal);
                return $"{message} Set the configuration key '{KeyPath(key)}' (e.g. the environment variable {environmentVariable}) or set it in code.";
            }
        }

        return message;
    }

    /// <summary>Whether <paramref name="message"/> contains <paramref name="setting"/> as a whole name (not a prefix of a longer one).</summary>
    private static bool NamesSetting(string message, string setting)
    {
        int at = message.IndexOf(setting, StringComparison.Ordinal);
        while (at >= 0)
        {
            int end = at + setting.Length;
            if (end == message.Length || !char.IsLetterOrDigit(message[end]))
            {
                return true;
            }

            at = message.IndexOf(setting, end, StringComparison.Ordinal);
        }

        return false;
    }

    private static void ReadString(IConfigurationSection section, string key, Action<string> set)
    {
        if (section[key] is { } value)
        {
            set(value);
        }
    }

    private void ReadInt(IConfigurationSection section, string key, List<string> errors, Action<int> set)
    {
        if (section[key] is not { } text || string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            set(value);
        }
        else
        {
            errors.Add($"The configuration key '{KeyPath(key)}' must be a whole number (was '{Echo(text)}').");
        }
    }

    private void ReadTimeSpan(IConfigurationSection section, string key, List<string> errors, Action<TimeSpan> set)
    {
        if (section[key] is not { } text || string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        string trimmed = text.Trim();
        if (!trimmed.Contains(':', StringComparison.Ordinal))
        {
            // TimeSpan.Parse("30") is 30 days: almost always a mistake for 30 seconds, so it is refused.
            errors.Add($"The configuration key '{KeyPath(key)}' must be a time span written as [d.]hh:mm:ss[.fff], e.g. 00:00:30 for 30 seconds (was '{Echo(text)}'; a bare number would mean days).");
        }
        else if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var value))
        {
            set(value);
        }
        else
        {
            errors.Add($"The configuration key '{KeyPath(key)}' must be a time span written as [d.]hh:mm:ss[.fff], e.g. 00:00:30 for 30 seconds (was '{Echo(text)}').");
        }
    }

    /// <summary>A bad value shown in an error (numbers and time spans only, never a credential), shortened.</summary>
    private static string Echo(string text) =>
        text.Length <= MaxEchoedValueLength ? text : string.Concat(text.AsSpan(0, MaxEchoedValueLength), "...");
}
