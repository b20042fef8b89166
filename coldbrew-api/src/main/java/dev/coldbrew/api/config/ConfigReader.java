package dev.coldbrew.api.config;

import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.validation.FieldError;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed reads of ConfigMap-style values (strings or numbers) that record errors instead of
 * throwing, so a config section reports every bad key at once: every config section's {@code
 * fromMap} reads through one. Not thread-safe; one per read.
 */
public final class ConfigReader {
  private final String section;
  private final Map<String, ?> values;
  private final List<FieldError> errors;

  /** Reads {@code values}; keys outside {@code keys} are reported as unknown at once. */
  public ConfigReader(
      String section, Map<String, ?> values, Set<String> keys, List<FieldError> errors) {
    this.section = section;
    this.values = values;
    this.errors = errors;
    for (String key : values.keySet()) {
      if (!keys.contains(key)) {
        errors.add(FieldError.unknown(path(key)));
      }
    }
  }

  public String path(String key) {
    return section + "." + key;
  }

  public void error(String key, Object value, String expected) {
    errors.add(FieldError.invalid(path(key), value, expected));
  }

  public boolean has(String key) {
    return raw(key) != null;
  }

  public String raw(String key) {
    Object v = values.get(key);
    return v == null ? null : String.valueOf(v).trim();
  }

  public long integer(String key, long dflt, long min, long max, String expected) {
    String v = raw(key);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n < min || n > max) {
        error(key, n, expected);
        return dflt;
      }
      return n;
    } catch (NumberFormatException e) {
      error(key, v, "an integer " + expected);
      return dflt;
    }
  }

  public boolean bool(String key, boolean dflt) {
    String v = raw(key);
    if (v == null) {
      return dflt;
    }
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v);
    }
    error(key, v, "true or false");
    return dflt;
  }

  public String string(String key, String dflt) {
    String v = raw(key);
    return v == null ? dflt : v;
  }

  /** A duration in whole seconds, {@code > 0}. */
  public Duration positiveWholeSeconds(String key, Duration dflt) {
    String v = raw(key);
    if (v == null) {
      return dflt;
    }
    try {
      Duration d = Durations.parse(v);
      if (d.isZero() || d.isNegative() || d.toNanosPart() != 0) {
        error(key, v, "a positive duration in whole seconds, such as 600s");
        return dflt;
      }
      return d;
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(path(key), e.getMessage()));
      return dflt;
    }
  }

  /** A number in {@code [min, max]}. */
  public double number(String key, double dflt, double min, double max, String expected) {
    String v = raw(key);
    if (v == null) {
      return dflt;
    }
    try {
      double d = Double.parseDouble(v);
      if (Double.isNaN(d) || d < min || d > max) {
        error(key, v, expected);
      }
      return d;
    } catch (NumberFormatException e) {
      error(key, v, "a number, " + expected);
      return dflt;
    }
  }

  /** A duration in {@code [min, max]}. */
  public Duration duration(String key, Duration dflt, Duration min, Duration max) {
    return duration(key, dflt, min, max, Durations.format(min) + ".." + Durations.format(max));
  }

  /** A duration in {@code [min, max]}; {@code range} says so in an error ({@code > 0}). */
  public Duration duration(String key, Duration dflt, Duration min, Duration max, String range) {
    String v = raw(key);
    if (v == null) {
      return dflt;
    }
    try {
      Duration d = Durations.parse(v);
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        error(key, v, range);
      }
      return d;
    } catch (IllegalArgumentException e) {
      error(key, v, Durations.expected(v, range));
      return dflt;
    }
  }

  /** Reports {@code d} unless it is whole seconds. */
  public void wholeSeconds(String key, Duration d) {
    if (d.toNanosPart() != 0 && raw(key) != null) {
      error(key, raw(key), "whole seconds");
    }
  }
}
