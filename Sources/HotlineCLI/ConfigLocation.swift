import Foundation

/// The gateway-config folder a command works on: the flag, else HOTLINE_CONFIG, else `gateway-config`.
func configDirectory(_ flag: String?) -> String {
    flag ?? ProcessInfo.processInfo.environment["HOTLINE_CONFIG"] ?? "gateway-config"
}
