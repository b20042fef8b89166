package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.config.GcConfig;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.ContainerNetwork;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.autoscaler.DeciderSpec;
import dev.coldbrew.autoscaler.PodAutoscalerLogic;
import dev.coldbrew.autoscaler.PodAutoscalerSettings;
import dev.coldbrew.autoscaler.PodAutoscalerState;
import dev.coldbrew.dataplane.DataPlaneOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlatformConfigTest {
  @Test
  void coldbrewSectionSetsTheDataPlaneLimits() {
    PlatformConfig c =
        PlatformConfig.parse(
            "coldbrew:\n  max-held-requests-per-revision: 20\n  max-request-body-bytes: 4096\n",
            "test.yaml");
    DataPlaneOptions o = c.limits().applyTo(DataPlaneOptions.defaults());
    assertThat(o.maxHeldRequestsPerRevision()).isEqualTo(20);
    assertThat(o.maxBodyBytes()).isEqualTo(4096);
    assertThat(o.maxHeaderSize()).isEqualTo(DataPlaneOptions.defaults().maxHeaderSize());
  }

  @Test
  void theEngineAndContainerNetworkDefaultsAreAutoAndBridgeAndSettable() {
    PlatformConfig d = PlatformConfig.standard();
    assertThat(d.limits().engine()).isNull();
    assertThat(d.limits().containerNetwork()).isEqualTo(ContainerNetwork.BRIDGE);
    assertThat(d.validationContext().defaultEngine()).isNull();
    PlatformConfig c =
        PlatformConfig.parse(
            "coldbrew:\n  engine: container\n  container-network: host\n", "test.yaml");
    assertThat(c.limits().engine()).isEqualTo(Engine.CONTAINER);
    assertThat(c.limits().containerNetwork()).isEqualTo(ContainerNetwork.HOST);
    assertThat(c.validationContext().defaultEngine()).isEqualTo(Engine.CONTAINER);
    assertThat(PlatformConfig.parse("coldbrew:\n  engine: auto\n", "t").limits().engine()).isNull();
    assertThatThrownBy(
            () ->
                PlatformConfig.parse(
                    "coldbrew:\n  engine: docker\n  container-network: none\n", "test.yaml"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("coldbrew.engine: \"docker\" (expected: auto, process or container)")
        .hasMessageContaining("coldbrew.container-network: \"none\" (expected: bridge or host)");
  }

  @Test
  void withoutTheSectionTheDataPlaneDefaultsHold() {
    PlatformConfig c = PlatformConfig.parse("autoscaler: {}\n", "test.yaml");
    // all but the event loops, which the platform halves (it shares the cores with its instances)
    int loops = PlatformConfig.Limits.defaultEventLoops(Runtime.getRuntime().availableProcessors());
    assertThat(c.limits().applyTo(DataPlaneOptions.defaults()))
        .isEqualTo(DataPlaneOptions.defaults().withEventLoops(loops));
  }

  @Test
  void theGcSectionReachesTheReconcilersAndItsBadKeysAreNamed() {
    PlatformConfig c =
        PlatformConfig.parse(
            "gc:\n  max-non-active-revisions: disabled\n  min-non-active-revisions: 3\n",
            "test.yaml");
    assertThat(c.validationContext().gc())
        .isEqualTo(new GcConfig(Duration.ofHours(48), Duration.ofHours(15), 3, GcConfig.DISABLED));
    assertThat(PlatformConfig.standard().validationContext().gc()).isEqualTo(GcConfig.defaults());
    assertThatThrownBy(
            () -> PlatformConfig.parse("gc:\n  retain-since-create-time: 2 days\n", "test.yaml"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("gc.retain-since-create-time: \"2 days\"")
        .hasMessageContaining("test.yaml");
  }

  @Test
  void everyBadKeyOfTheSectionIsNamed() {
    assertThatThrownBy(
            () ->
                PlatformConfig.parse(
                    "coldbrew:\n"
                        + "  max-held-requests-per-revision: -1\n"
                        + "  max-request-body-bytes: lots\n"
                        + "  max-held: 3\n",
                    "test.yaml"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("coldbrew.max-held-requests-per-revision: -1")
        .hasMessageContaining("coldbrew.max-request-body-bytes")
        .hasMessageContaining("coldbrew.max-held")
        .hasMessageContaining("test.yaml");
  }

  @Test
  void theBodyIdleTimeoutIsTenSecondsByDefaultAndConfigurable() {
    assertThat(PlatformConfig.standard().limits().requestBodyIdleTimeout())
        .isEqualTo(Duration.ofSeconds(10));
    PlatformConfig c =
        PlatformConfig.parse("coldbrew:\n  request-body-idle-timeout: 2500ms\n", "test.yaml");
    assertThat(c.limits().applyTo(DataPlaneOptions.defaults()).requestBodyIdleTimeout())
        .isEqualTo(Duration.ofMillis(2500));
    PlatformConfig off =
        PlatformConfig.parse("coldbrew:\n  request-body-idle-timeout: 0s\n", "test.yaml");
    assertThat(off.limits().requestBodyIdleTimeout()).isZero();
    for (String bad : new String[] {"-1s", "soon", "2h", "{}", "10"}) {
      assertThatThrownBy(
              () ->
                  PlatformConfig.parse(
                      "coldbrew:\n  request-body-idle-timeout: " + bad + "\n", "test.yaml"))
          .as(bad)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("coldbrew.request-body-idle-timeout");
    }
  }

  @Test
  void theHeaderReadTimeoutIsTenSecondsAndConfigurableButNeverOff() {
    assertThat(PlatformConfig.standard().limits().applyTo(DataPlaneOptions.defaults()))
        .extracting(DataPlaneOptions::headerReadTimeout)
        .isEqualTo(Duration.ofSeconds(10));
    PlatformConfig c = PlatformConfig.parse("coldbrew:\n  header-read-timeout: 30s\n", "t.yaml");
    assertThat(c.limits().applyTo(DataPlaneOptions.defaults()).headerReadTimeout())
        .isEqualTo(Duration.ofSeconds(30));
    for (String bad : new String[] {"0s", "500ms", "-1s", "2h", "soon", "{}", "10"}) {
      assertThatThrownBy(
              () ->
                  PlatformConfig.parse("coldbrew:\n  header-read-timeout: " + bad + "\n", "t.yaml"))
          .as(bad)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("coldbrew.header-read-timeout")
          .hasMessageContaining(bad.equals("{}") ? "" : bad);
    }
  }

  @Test
  void theGatewayTransportIsIoUringByDefaultAndConfigurable() {
    assertThat(PlatformConfig.standard().limits().applyTo(DataPlaneOptions.defaults()).transport())
        .isEqualTo("io_uring");
    for (String t : new String[] {"epoll", "io_uring", "nio"}) {
      PlatformConfig c =
          PlatformConfig.parse("coldbrew:\n  gateway-transport: " + t + "\n", "t.yaml");
      assertThat(c.limits().applyTo(DataPlaneOptions.defaults()).transport()).isEqualTo(t);
    }
    for (String bad : new String[] {"EPOLL", "uring", "kqueue", "\"\"", "3", "{}", "[epoll]"}) {
      assertThatThrownBy(
              () -> PlatformConfig.parse("coldbrew:\n  gateway-transport: " + bad + "\n", "t.yaml"))
          .as(bad)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("coldbrew.gateway-transport")
          .hasMessageContaining("expected: one of io_uring, epoll, nio");
    }
  }

  @Test
  void theGatewayEventLoopsAreHalfTheCoresByDefaultAndConfigurable() {
    assertThat(PlatformConfig.standard().limits().applyTo(DataPlaneOptions.defaults()).eventLoops())
        .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    assertThat(PlatformConfig.Limits.defaultEventLoops(1)).isEqualTo(1);
    assertThat(PlatformConfig.Limits.defaultEventLoops(2)).isEqualTo(1);
    assertThat(PlatformConfig.Limits.defaultEventLoops(3)).isEqualTo(1);
    assertThat(PlatformConfig.Limits.defaultEventLoops(8)).isEqualTo(4);
    for (int n : new int[] {1, 3, 256}) {
      PlatformConfig c =
          PlatformConfig.parse("coldbrew:\n  gateway-event-loops: " + n + "\n", "t.yaml");
      assertThat(c.limits().applyTo(DataPlaneOptions.defaults()).eventLoops()).isEqualTo(n);
    }
    for (String bad : new String[] {"0", "-1", "257", "2.5", "two", "\"\"", "{}", "[2]"}) {
      assertThatThrownBy(
              () ->
                  PlatformConfig.parse("coldbrew:\n  gateway-event-loops: " + bad + "\n", "t.yaml"))
          .as(bad)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("coldbrew.gateway-event-loops")
          .hasMessageContaining("1..256 (threads)");
    }
  }

  @Test
  void autoscalerDurationsNeedAUnitAsInKnative() {
    assertThatThrownBy(
            () ->
                PlatformConfig.parse(
                    "autoscaler:\n  stable-window: 6\n  scale-down-delay: \"30\"\n"
                        + "  scale-to-zero-grace-period: 0s\n",
                    "test.yaml"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(
            "autoscaler.stable-window: \"6\" (expected: a duration with a unit, such as \"6s\"")
        .hasMessageContaining(
            "autoscaler.scale-down-delay: \"30\" (expected: a duration with a unit, such as"
                + " \"30s\"")
        .hasMessageContaining(
            "autoscaler.scale-to-zero-grace-period: \"0s\" (expected: > 0 and <= 8760h, such as"
                + " 30s)");
    assertThat(
            PlatformConfig.parse("autoscaler:\n  scale-down-delay: \"0\"\n", "test.yaml")
                .autoscaler()
                .scaleDownDelay())
        .as("0 alone needs no unit, as in Go")
        .isZero();
  }

  @Test
  void revisionsAreBoundedToFourInstancesPerCoreByDefault() {
    int bound = 4 * Runtime.getRuntime().availableProcessors();
    assertThat(PlatformConfig.localMaxScale()).isEqualTo(bound);
    for (PlatformConfig c :
        List.of(
            PlatformConfig.standard(),
            PlatformConfig.parse("", "test.yaml"),
            PlatformConfig.parse("autoscaler:\n  stable-window: 30s\n", "test.yaml"))) {
      assertThat(c.autoscaler().maxScale()).isEqualTo(bound);
      assertThat(c.autoscaler().maxScaleLimit()).isZero();
    }
    // the report's case: 30 requests held at a containerConcurrency 1 revision want 43 instances
    AutoscalerConfig config = PlatformConfig.standard().autoscaler();
    DeciderSpec spec = DeciderSpec.from(config, Map.of(), 1, true);
    PodAutoscalerSettings settings = PodAutoscalerSettings.from(config, Map.of(), spec);
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    PodAutoscalerState active =
        new PodAutoscalerState(
            PodAutoscalerState.Active.ACTIVE, null, now, true, SksMode.SERVE, null, 1);
    assertThat(PodAutoscalerLogic.reconcile(settings, active, now, 43, -1, 1).applyScale())
        .isEqualTo(bound);
    // an annotation still sets its own bound, 0 included (unlimited, as in Knative)
    Map<String, String> unlimited = Map.of("autoscaling.knative.dev/max-scale", "0");
    PodAutoscalerSettings none =
        PodAutoscalerSettings.from(config, unlimited, DeciderSpec.from(config, unlimited, 1, true));
    assertThat(PodAutoscalerLogic.reconcile(none, active, now, 43, -1, 1).applyScale())
        .isEqualTo(43);
  }

  @Test
  void aMinScaleAboveTheDefaultBoundIsNeitherRejectedNorCapped() {
    int bound = PlatformConfig.localMaxScale();
    AutoscalerConfig config = PlatformConfig.standard().autoscaler();
    Map<String, String> annotations =
        Map.of("autoscaling.knative.dev/min-scale", String.valueOf(bound + 2));
    List<FieldError> errors = new ArrayList<>();
    AutoscalingAnnotations.validate(annotations, config, "spec", errors);
    assertThat(errors).as("a manifest that runs on a Knative cluster").isEmpty();
    DeciderSpec spec = DeciderSpec.from(config, annotations, 1, true);
    PodAutoscalerSettings settings = PodAutoscalerSettings.from(config, annotations, spec);
    assertThat(settings.maxScale()).isEqualTo(bound + 2);
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    PodAutoscalerState active =
        new PodAutoscalerState(
            PodAutoscalerState.Active.ACTIVE, null, now, true, SksMode.SERVE, null, 1);
    assertThat(PodAutoscalerLogic.reconcile(settings, active, now, 1, -1, 1).applyScale())
        .isEqualTo(bound + 2);
    assertThat(PodAutoscalerLogic.reconcile(settings, active, now, bound + 10, -1, 1).applyScale())
        .isEqualTo(bound + 2);
    // an explicit max-scale in the config file is Knative's: kept, and the revision is valid
    AutoscalerConfig explicit =
        PlatformConfig.parse("autoscaler:\n  max-scale: \"3\"\n", "t.yaml").autoscaler();
    errors.clear();
    AutoscalingAnnotations.validate(annotations, explicit, "spec", errors);
    assertThat(errors).isEmpty();
    PodAutoscalerSettings capped =
        PodAutoscalerSettings.from(
            explicit, annotations, DeciderSpec.from(explicit, annotations, 1, true));
    assertThat(capped.maxScale()).isEqualTo(3);
    assertThat(PodAutoscalerLogic.reconcile(capped, active, now, 1, -1, 1).applyScale())
        .as("min-scale wins, as in Knative")
        .isEqualTo(bound + 2);
  }

  @Test
  void theAutoscalerSectionSetsOrLiftsTheBound() {
    assertThat(
            PlatformConfig.parse("autoscaler:\n  max-scale: \"0\"\n", "t.yaml")
                .autoscaler()
                .maxScale())
        .as("0: unlimited")
        .isZero();
    assertThat(
            PlatformConfig.parse("autoscaler:\n  max-scale: \"50\"\n", "t.yaml")
                .autoscaler()
                .maxScale())
        .isEqualTo(50);
    AutoscalerConfig limited =
        PlatformConfig.parse("autoscaler:\n  max-scale-limit: \"2\"\n", "t.yaml").autoscaler();
    assertThat(limited.maxScale()).as("the default never exceeds the limit").isEqualTo(2);
    assertThat(limited.maxScaleLimit()).isEqualTo(2);
    AutoscalerConfig highMin =
        PlatformConfig.parse("autoscaler:\n  min-scale: \"500\"\n", "t.yaml").autoscaler();
    assertThat(highMin.maxScale()).as("nor falls below min-scale").isEqualTo(500);
    assertThatThrownBy(
            () ->
                PlatformConfig.parse(
                    "autoscaler:\n  max-scale: \"9\"\n  max-scale-limit: \"3\"\n", "t.yaml"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("autoscaler.max-scale");
  }

  @Test
  void adminKeysOfTheColdbrewSection() {
    PlatformConfig c =
        PlatformConfig.parse(
            "coldbrew:\n  admin-max-connections: 32\n"
                + "  admin-allowed-hosts: \"Coldbrew.Example.com, 192.0.2.7,[2001:db8::7]\"\n",
            "test.yaml");
    assertThat(c.limits().adminMaxConnections()).isEqualTo(32);
    assertThat(c.limits().adminAllowedHosts())
        .containsExactly("coldbrew.example.com", "192.0.2.7", "[2001:db8::7]");
    assertThat(PlatformConfig.standard().limits().adminMaxConnections()).isEqualTo(256);
    assertThat(PlatformConfig.standard().limits().adminAllowedHosts()).isEmpty();
    assertThatThrownBy(
            () ->
                PlatformConfig.parse(
                    "coldbrew:\n  admin-max-connections: 0\n"
                        + "  admin-allowed-hosts: \"ok.example, bad host!, \"\n",
                    "test.yaml"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("coldbrew.admin-max-connections: 0 (expected: 1..100000)")
        .hasMessageContaining("coldbrew.admin-allowed-hosts: \"bad host!\"")
        .hasMessageContaining("coldbrew.admin-allowed-hosts: \"\"");
    assertThatThrownBy(
            () -> PlatformConfig.parse("coldbrew:\n  admin-max-connections: many\n", "test.yaml"))
        .hasMessageContaining("coldbrew.admin-max-connections: \"many\"");
  }

  @Test
  void maxRevisionsIsReadFromTheColdbrewSection() {
    assertThat(PlatformConfig.parse("coldbrew:\n  max-revisions: 2\n", "t.yaml").limits())
        .extracting(PlatformConfig.Limits::maxRevisions)
        .isEqualTo(2);
    assertThat(PlatformConfig.parse("coldbrew:\n  max-revisions: \"40000\"\n", "t.yaml").limits())
        .extracting(PlatformConfig.Limits::maxRevisions)
        .isEqualTo(40000);
  }

  @Test
  void maxRevisionsDefaultsToWhatTheHeapHolds() {
    assertThat(PlatformConfig.Limits.defaultMaxRevisions(256L << 20)).isEqualTo(6144);
    assertThat(PlatformConfig.Limits.defaultMaxRevisions(1L << 30)).isEqualTo(30720);
    assertThat(PlatformConfig.Limits.defaultMaxRevisions(64L << 20)).isEqualTo(100);
    assertThat(PlatformConfig.Limits.defaultMaxRevisions(16L << 20)).isEqualTo(100);
    assertThat(PlatformConfig.Limits.defaultMaxRevisions(Long.MAX_VALUE))
        .isEqualTo(Integer.MAX_VALUE);
    assertThat(PlatformConfig.standard().limits().maxRevisions())
        .isEqualTo(PlatformConfig.Limits.defaultMaxRevisions(Runtime.getRuntime().maxMemory()));
    assertThat(PlatformConfig.parse("coldbrew: {}\n", "t.yaml").limits().maxRevisions())
        .isEqualTo(PlatformConfig.standard().limits().maxRevisions());
  }

  @Test
  void badMaxRevisionsAreNamedWithTheValueAndWhatIsExpected() {
    for (String bad :
        new String[] {
          "0", "-5", "lots", "1.5", "2147483648", "99999999999999999999", "\"\"", "[1]"
        }) {
      assertThatThrownBy(
              () -> PlatformConfig.parse("coldbrew:\n  max-revisions: " + bad + "\n", "t.yaml"))
          .as(bad)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("coldbrew.max-revisions")
          .hasMessageContaining("1..2147483647")
          .hasMessageContaining("t.yaml");
    }
  }
}
