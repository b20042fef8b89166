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
