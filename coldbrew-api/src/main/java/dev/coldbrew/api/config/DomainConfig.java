package dev.coldbrew.api.config;

import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.Names;
import dev.coldbrew.api.validation.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Knative's {@code config-domain} ConfigMap: the domain Route hosts are made under ({@code
 * <name>.<namespace>.<domain>}). As in Knative the domain is the key and an empty value makes it
 * the default: {@code {"example.com": ""}}. Label selectors are not supported, so there is at most
 * one domain. Knative's {@code _example} key is ignored. Immutable and thread-safe.
 *
 * @param domain the domain, {@code localhost} by default (it resolves to loopback)
 */
public record DomainConfig(String domain) {

  /** The default: {@code localhost}. */
  public static DomainConfig defaults() {
    return new DomainConfig("localhost");
  }

  /**
   * Reads the {@code domain:} section of the config file, validating every key.
   *
   * @param section the section's name for error paths, e.g. {@code domain}
   * @throws ValidationException naming every bad key, its value and what was expected
   */
  public static DomainConfig fromMap(String section, Map<String, ?> values) {
    List<FieldError> errors = new ArrayList<>();
    List<String> domains = new ArrayList<>();
    for (Map.Entry<String, ?> e : values.entrySet()) {
      String key = e.getKey();
      if (key.equals("_example")) {
        continue;
      }
      String path = section + "." + key;
      if (!Names.isDnsName(key)) {
        errors.add(
            FieldError.invalid(
                path, key, "a domain name: lowercase DNS labels of at most 63 chars"));
      }
      Object v = e.getValue();
      if (v != null && !String.valueOf(v).isBlank()) {
        errors.add(
            FieldError.invalid(
                path, String.valueOf(v), "\"\" (label selectors are not supported)"));
      }
      domains.add(key);
    }
    if (domains.size() > 1) {
      errors.add(FieldError.invalid(section, String.join(", ", domains), "at most one domain"));
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return domains.isEmpty() ? defaults() : new DomainConfig(domains.get(0));
  }
}
