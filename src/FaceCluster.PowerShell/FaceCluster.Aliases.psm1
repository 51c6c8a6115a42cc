# Names kept from earlier releases, so scripts written for them still run.
Set-Alias -Name Export-VideoFrames -Value Export-VideoFrame
Export-ModuleMember -Alias Export-VideoFrames
