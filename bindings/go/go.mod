module probestore/bindings/go

go 1.19
