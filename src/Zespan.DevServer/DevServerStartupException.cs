namespace Zespan.DevServer;

/// <summary>The dev server cannot start with the given settings; the message says which one and how to fix it.</summary>
public sealed class DevServerStartupException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public DevServerStartupException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    public DevServerStartupException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public DevServerStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
