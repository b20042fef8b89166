package dev.coldbrew.api.config;

import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.validation.FieldError;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed reads of ConfigMap-style values (strings or numbers) that record errors instead of
 * throwing, so a config section reports every bad key at once. Not thread-safe; one per read.
 */
final class ConfigReader {
  private final String section;
  private final Map<String, ?> values;
  private final List<FieldError> errors;

  ConfigReader(String section, Map<String, ?> values, Set<String> keys, List<FieldError> errors) {
    this.section = section;
    this.values = values;
    this.errors = errors;
    for (String key : values.keySet()) {
      if (!keys.contains(key)) {
        errors.add(FieldError.unknown(path(key)));
      }
    }
  }

  String path(String key) {
    return section + "." + key;
  }

  void error(String key, Object value, String expected) {
    errors.add(FieldError.invalid(path(key), value, expected));
  }

  boolean has(String key) {
    return raw(key) != null;
  }

  String raw(String key) {
    Object v = values.get(key);
    return v == null ? null : String.valueOf(v).trim();
  }

  long integer(String key, long dflt, long min, long max, String expected) {
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

  boolean bool(String key, boolean dflt) {
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

  String string(String key, String dflt) {
    String v = raw(key);
    return v == null ? dflt : v;
  }

  /** A duration in whole seconds, {@code > 0}. */
  Duration positiveWholeSeconds(String key, Duration dflt) {
    String v = raw(key);
    if (v == null) {
      return dflt;
    }
    try {
      Duration d = Durations.parse(v);
      if (d.isZero() || d.toNanosPart() != 0) {
        error(key, v, "a positive duration in whole seconds, such as 600s");
        return dflt;
      }
      return d;
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(path(key), e.getMessage()));
      return dflt;
    }
  }
}
