package dev.coldbrew.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ConfigSectionsTest {
  private static List<FieldError> errors(ThrowingCallable call) {
    ValidationException[] caught = new ValidationException[1];
    assertThatThrownBy(call).isInstanceOfSatisfying(ValidationException.class, e -> caught[0] = e);
    return caught[0].errors();
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void emptySectionsAreKnativeDefaults() {
    assertThat(DefaultsConfig.fromMap("defaults", Map.of())).isEqualTo(DefaultsConfig.defaults());
    assertThat(DefaultsConfig.defaults())
        .isEqualTo(new DefaultsConfig(300, 600, 300, 0, 0, 1000, true, "user-container"));
    assertThat(DeploymentConfig.fromMap("deployment", Map.of()).progressDeadline())
        .isEqualTo(Duration.ofSeconds(600));
    assertThat(DomainConfig.fromMap("domain", Map.of()).domain()).isEqualTo("localhost");
  }

  @Test
  void readsDefaultsFromStringsAndNumbers() {
    DefaultsConfig c =
        DefaultsConfig.fromMap(
            "defaults",
            map(
                "revision-timeout-seconds", "120",
                "max-revision-timeout-seconds", 3600,
                "revision-response-start-timeout-seconds", 60,
                "revision-idle-timeout-seconds", "30",
                "container-concurrency", 10,
                "container-concurrency-max-limit", "100",
                "allow-container-concurrency-zero", "false",
                "container-name-template", "app"));
    assertThat(c).isEqualTo(new DefaultsConfig(120, 3600, 60, 30, 10, 100, false, "app"));
  }

  @Test
  void rejectsEveryBadDefaultsKeyAtOnce() {
    assertThat(
            errors(
                () ->
                    DefaultsConfig.fromMap(
                        "defaults",
                        map(
                            "revision-timeout-seconds", "ten",
                            "container-concurrency", 5000,
                            "allow-container-concurrency-zero", "maybe",
                            "container-name-template", "{{.Name}}",
                            "revision-timout-seconds", 1))))
        .containsExactly(
            FieldError.unknown("defaults.revision-timout-seconds"),
            FieldError.invalid("defaults.revision-timeout-seconds", "ten", "an integer >= 1"),
            FieldError.invalid(
                "defaults.allow-container-concurrency-zero", "maybe", "true or false"),
            FieldError.invalid(
                "defaults.container-concurrency",
                5000L,
                "0..1000 (container-concurrency-max-limit)"),
            FieldError.invalid(
                "defaults.container-name-template",
                "{{.Name}}",
                "a DNS-1123 label: at most 63 lowercase letters, digits and '-'; templates are not"
                    + " supported"));
  }

  @Test
  void timeoutsMustFitUnderTheirLimits() {
    assertThat(
            errors(
                () ->
                    DefaultsConfig.fromMap(
                        "defaults",
                        map(
                            "revision-timeout-seconds", 700,
                            "revision-idle-timeout-seconds", 800,
                            "revision-response-start-timeout-seconds", -1))))
        .containsExactly(
            FieldError.invalid(
                "defaults.revision-timeout-seconds", 700L, "<= max-revision-timeout-seconds (600)"),
            FieldError.invalid("defaults.revision-response-start-timeout-seconds", -1L, ">= 0"),
            FieldError.invalid(
                "defaults.revision-idle-timeout-seconds",
                800L,
                "<= revision-timeout-seconds (700)"));
  }

  @Test
  void lowerMaximumLowersTheDefaultTimeout() {
    DefaultsConfig c = DefaultsConfig.fromMap("defaults", map("max-revision-timeout-seconds", 100));
    assertThat(c.revisionTimeoutSeconds()).isEqualTo(100);
    assertThat(c.revisionResponseStartTimeoutSeconds()).isEqualTo(100);
  }

  @Test
  void zeroConcurrencyNeedsToBeAllowed() {
    assertThat(
            errors(
                () ->
                    DefaultsConfig.fromMap(
                        "defaults", map("allow-container-concurrency-zero", false))))
        .containsExactly(
            FieldError.invalid(
                "defaults.container-concurrency",
                0L,
                "1..1000 (container-concurrency-max-limit, and allow-container-concurrency-zero"
                    + " is false)"));
  }

  @Test
  void progressDeadlineIsPositiveWholeSeconds() {
    assertThat(
            DeploymentConfig.fromMap("deployment", map("progress-deadline", "2m"))
                .progressDeadline())
        .isEqualTo(Duration.ofMinutes(2));
    for (String bad : List.of("0s", "1.5s", "500ms")) {
      assertThat(
              errors(() -> DeploymentConfig.fromMap("deployment", map("progress-deadline", bad))))
          .containsExactly(
              FieldError.invalid(
                  "deployment.progress-deadline",
                  bad,
                  "a positive duration in whole seconds, such as 600s"));
    }
    assertThat(
            errors(() -> DeploymentConfig.fromMap("deployment", map("progress-deadline", "soon"))))
        .containsExactly(
            new FieldError(
                "deployment.progress-deadline",
                "\"soon\" (expected: a duration such as 60s, 1m30s or 500ms)"));
    // Knative reads durations with Go's time.ParseDuration: a number needs its unit
    for (Object bare : List.of("600", 600, "-5s")) {
      assertThat(
              errors(() -> DeploymentConfig.fromMap("deployment", map("progress-deadline", bare))))
          .singleElement()
          .asString()
          .startsWith("deployment.progress-deadline: \"" + bare + "\" (expected: ")
          .contains(bare.equals("-5s") ? "a positive duration" : "a duration with a unit");
    }
    assertThat(
            errors(() -> DeploymentConfig.fromMap("deployment", map("queue-sidecar-image", "x"))))
        .containsExactly(FieldError.unknown("deployment.queue-sidecar-image"));
  }

  @Test
  void gcReadsDurationsCountsAndDisabled() {
    assertThat(GcConfig.fromMap("gc", Map.of())).isEqualTo(GcConfig.defaults());
    assertThat(GcConfig.defaults())
        .isEqualTo(new GcConfig(Duration.ofHours(48), Duration.ofHours(15), 20, 1000));
    GcConfig off =
        GcConfig.fromMap(
            "gc",
            map(
                "retain-since-create-time", "disabled",
                "retain-since-last-active-time", "Disabled",
                "min-non-active-revisions", 0,
                "max-non-active-revisions", "disabled"));
    assertThat(off).isEqualTo(new GcConfig(null, null, 0, GcConfig.DISABLED));
    assertThat(off.disabled()).isTrue();
    assertThat(
            GcConfig.fromMap(
                "gc",
                map(
                    "retain-since-create-time", "1h30m",
                    "min-non-active-revisions", "3",
                    "max-non-active-revisions", "5")))
        .isEqualTo(new GcConfig(Duration.ofMinutes(90), Duration.ofHours(15), 3, 5));
  }

  @Test
  void gcRefusesBadValuesNamingTheKey() {
    assertThat(
            errors(
                () ->
                    GcConfig.fromMap(
                        "gc",
                        map(
                            "retain-since-create-time", "forever",
                            "retain-since-last-active-time", "-1h",
                            "min-non-active-revisions", "-1",
                            "max-non-active-revisions", "lots",
                            "stale-revision-create-delay", "24h"))))
        .containsExactlyInAnyOrder(
            FieldError.unknown("gc.stale-revision-create-delay"),
            FieldError.invalid(
                "gc.retain-since-create-time",
                "forever",
                "a duration of at least 0s such as 48h, or disabled"),
            FieldError.invalid(
                "gc.retain-since-last-active-time",
                "-1h",
                "a duration of at least 0s such as 48h, or disabled"),
            FieldError.invalid("gc.min-non-active-revisions", -1L, "at least 0"),
            FieldError.invalid(
                "gc.max-non-active-revisions", "lots", "an integer at least 0, or disabled"));
    assertThat(
            errors(
                () ->
                    GcConfig.fromMap(
                        "gc", map("min-non-active-revisions", 5, "max-non-active-revisions", 2))))
        .containsExactly(
            FieldError.invalid(
                "gc.min-non-active-revisions", 5L, "at most max-non-active-revisions (2)"));
  }

  @Test
  void domainIsTheKeyWithAnEmptyValue() {
    assertThat(DomainConfig.fromMap("domain", map("example.com", "")).domain())
        .isEqualTo("example.com");
    assertThat(
            DomainConfig.fromMap("domain", map("_example", "docs...", "apps.local", null)).domain())
        .isEqualTo("apps.local");
  }

  @Test
  void rejectsBadDomains() {
    assertThat(
            errors(
                () ->
                    DomainConfig.fromMap(
                        "domain", map("Example.com", "", "prod.example.com", "selector: {a: b}"))))
        .containsExactly(
            FieldError.invalid(
                "domain.Example.com",
                "Example.com",
                "a domain name: lowercase DNS labels of at most 63 chars"),
            FieldError.invalid(
                "domain.prod.example.com",
                "selector: {a: b}",
                "\"\" (label selectors are not supported)"),
            FieldError.invalid("domain", "Example.com, prod.example.com", "at most one domain"));
    assertThat(errors(() -> DomainConfig.fromMap("domain", map("a".repeat(64) + ".com", ""))))
        .hasSize(1);
  }
}
