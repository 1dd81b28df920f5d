using System.Text.RegularExpressions;

namespace Zespan.DevServer.Guardrails;

/// <summary>The built-in PII detectors.</summary>
internal static class PiiPatterns
{
    private const string Email = @"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])";

    // 13 to 19 digits, optionally grouped by single spaces or dashes; each match must pass the Luhn check
    private const string CreditCard = @"(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)";

    // North American style (optional +country, optional parentheses, separators) or E.164 (+ and 8 to 15 digits)
    private const string Phone = @"(?<![\w+])(?:(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}|\+\d{8,15})(?![\w])";

    public static Detector? Create(string name, TimeSpan timeout) => name switch
    {
        "email" => new Detector("email", "email address", new Regex(Email, RegexOptions.CultureInvariant, timeout)),
        "credit_card" => new Detector("credit_card", "credit card number", new Regex(CreditCard, RegexOptions.CultureInvariant, timeout), PassesLuhn),
        "phone" => new Detector("phone", "phone number", new Regex(Phone, RegexOptions.CultureInvariant, timeout)),
        _ => null,
    };

    /// <summary>The Luhn (mod 10) check over the digits of <paramref name="text"/> (separators ignored).</summary>
    public static bool PassesLuhn(string text)
    {
        var sum = 0;
        var digits = 0;
        var doubleIt = false;
        for (var i = text.Length - 1; i >= 0; i--)
        {
            var c = text[i];
            if (c is < '0' or > '9')
            {
                continue;
            }

            var d = c - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            digits++;
            doubleIt = !doubleIt;
        }

        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }
}
