import Foundation
import Testing

/// The demo page and widget in a real browser: `Tests/Browser/widget_test.py` drives headless
/// Chromium through Selenium against `cvsearch serve` (apt: chromium chromium-driver
/// fonts-noto-cjk; pip: selenium — installed by `.ci/run`).
@Suite("Browser")
struct BrowserTests {
    @Test func widgetInHeadlessChromium() throws {
        let screenshot = FileManager.default.temporaryDirectory.appendingPathComponent("cvsearch-widget-\(UUID()).png")
        let (status, output) = try CLI.python("Tests/Browser/widget_test.py", ["--screenshot", screenshot.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains(" passed, 0 failed"), "\(output)")
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000)
    }
}
