namespace Zespan.Testing;

/// <summary>The public surface of an assembly differs from its approved file.</summary>
public sealed class PublicApiChangedException : Exception
{
    /// <summary>Creates the exception with the diff as its message.</summary>
    public PublicApiChangedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public PublicApiChangedException()
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public PublicApiChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
