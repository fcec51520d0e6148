"""security-patrol (秩序维护 / 安全管理): patrols, fire checks, incidents, gate
and parking, shift duty."""
