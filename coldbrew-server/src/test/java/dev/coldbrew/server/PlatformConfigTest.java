package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.dataplane.DataPlaneOptions;
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
  void withoutTheSectionTheDataPlaneDefaultsHold() {
    PlatformConfig c = PlatformConfig.parse("autoscaler: {}\n", "test.yaml");
    assertThat(c.limits().applyTo(DataPlaneOptions.defaults()))
        .isEqualTo(DataPlaneOptions.defaults());
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
}
