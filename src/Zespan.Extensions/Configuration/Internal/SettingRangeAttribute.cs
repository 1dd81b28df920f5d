using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Zespan.Extensions.Configuration.Internal;

/// <summary>
/// A range check whose message names the <c>Zespan:</c> setting and the fix (the generated copy of
/// <see cref="RangeAttribute"/> ignores <c>ErrorMessage</c>, so this one formats its own).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SettingRangeAttribute(double minimum, double maximum, string fix) : ValidationAttribute
{
    public double Minimum { get; } = minimum;

    public double Maximum { get; } = maximum;

    public string Fix { get; } = fix;

    public override bool IsValid(object? value) => value switch
    {
        null => true,
        int i => i >= Minimum && i <= Maximum,
        long l => l >= Minimum && l <= Maximum,
        double d => !double.IsNaN(d) && d >= Minimum && d <= Maximum,
        _ => false,
    };

    /// <summary>
    /// The result carries no member names: <c>ValidateOptionsResultBuilder</c> would put them before the message
    /// (<c>SampleRate: Zespan:SampleRate must be ...</c>), and the message already names the setting.
    /// </summary>
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        return IsValid(value) ? ValidationResult.Success : new ValidationResult(FormatErrorMessage(validationContext.MemberName ?? validationContext.DisplayName));
    }

    public override string FormatErrorMessage(string name)
    {
        var setting = name.Contains('.', StringComparison.Ordinal) ? name[(name.LastIndexOf('.') + 1)..] : name;
        var range = Maximum >= int.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"at least {Minimum}")
            : string.Create(CultureInfo.InvariantCulture, $"between {Minimum:0.0##} and {Maximum:0.0##}");
        return $"Zespan:{setting} must be {range}. {Fix}";
    }
}
