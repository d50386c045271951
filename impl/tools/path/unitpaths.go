package path

import "gosystemd/impl/unitpath"

// unitSearchPath is the unit search path of the scope's manager, as
// lookup_paths_init computes it.
func unitSearchPath(scope unitpath.Scope) func() ([]string, error) {
	return func() ([]string, error) {
		lp, err := unitpath.Init(scope, unitpath.Options{})
		if err != nil {
			return nil, err
		}
		return lp.SearchPath, nil
	}
}

// generatorPath is where the scope's manager looks for generators.
func generatorPath(scope unitpath.Scope) func() ([]string, error) {
	return func() ([]string, error) { return unitpath.GeneratorBinaryPaths(scope, nil) }
}
