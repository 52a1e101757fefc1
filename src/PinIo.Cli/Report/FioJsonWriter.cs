// Follows the layout of fio's json.c printer (json_print_object and friends); own code.
using System.Globalization;
using System.Text;

namespace PinIo.Cli.Report;

/// <summary>
/// Writes JSON laid out as fio lays it out, so that pinio's document reads and diffs like
/// fio's: two spaces a level, <c>"name" : value</c>, integers as integers and every floating
/// point number with six decimals (printf's "%f"), an empty string left out as fio leaves it
/// out. Strings are escaped fully (fio escapes only quotes and backslashes). Streaming: a
/// member is written when it is added.
/// </summary>
internal sealed class FioJsonWriter(TextWriter output)
{
    private readonly Stack<bool> _firstInLevel = new();

    public void StartDocument()
    {
        output.Write('{');
        output.Write('\n');
        _firstInLevel.Push(true);
    }

    public void EndDocument()
    {
        _firstInLevel.Pop();
        output.Write("\n}\n");
    }

    public void StartObject(string name)
    {
        Name(name);
        output.Write("{\n");
        _firstInLevel.Push(true);
    }

    /// <summary>An object as an element of the array being written.</summary>
    public void StartObject()
    {
        Separator();
        Indent(_firstInLevel.Count);
        output.Write("{\n");
        _firstInLevel.Push(true);
    }

    public void EndObject() => Close('}');

    public void StartArray(string name)
    {
        Name(name);
        output.Write("[\n");
        _firstInLevel.Push(true);
    }

    public void EndArray() => Close(']');

    public void Int(string name, long value)
    {
        Name(name);
        output.Write(value.ToString(CultureInfo.InvariantCulture));
    }

    public void Float(string name, double value)
    {
        Name(name);
        output.Write(Fixed6(value));
    }

    public void String(string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        Name(name);
        output.Write(Quote(value));
    }

    /// <summary>An unnamed integer in an array.</summary>
    public void Element(long value)
    {
        Separator();
        Indent(_firstInLevel.Count);
        output.Write(value.ToString(CultureInfo.InvariantCulture));
    }

    public void Null(string name)
    {
        Name(name);
        output.Write("null");
    }

    /// <summary>printf's "%f": six decimals, invariant; infinities and NaN (which JSON has not) as 0.</summary>
    public static string Fixed6(double value) =>
        double.IsFinite(value) ? value.ToString("F6", CultureInfo.InvariantCulture) : "0.000000";

    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2);
        text.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }

    private void Name(string name)
    {
        Separator();
        Indent(_firstInLevel.Count);
        output.Write(Quote(name));
        output.Write(" : ");
    }

    private void Separator()
    {
        if (_firstInLevel.Pop())
        {
            _firstInLevel.Push(false);
        }
        else
        {
            _firstInLevel.Push(false);
            output.Write(",\n");
        }
    }

    private void Close(char bracket)
    {
        _firstInLevel.Pop();
        output.Write('\n');
        Indent(_firstInLevel.Count);
        output.Write(bracket);
    }

    private void Indent(int level)
    {
        for (int i = 0; i < level; i++)
        {
            output.Write("  ");
        }
    }
}
