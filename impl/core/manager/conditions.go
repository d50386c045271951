package manager

import (
	"gosystemd/impl/condition"
	"gosystemd/impl/unit"
)

// evaluateConditions is condition_test_list for the unit's conditions or
// asserts: every non-triggering condition must hold, and one triggering
// one if there are any. The verdicts are kept for the Conditions and
// Asserts properties and for the skip message.
func (m *Manager) evaluateConditions(u *Unit, list []unit.Condition, asserts bool) bool {
	if len(list) == 0 {
		if asserts {
			u.assertVerdicts = nil
		} else {
			u.conditionVerdicts = nil
		}
		return true
	}
	if m.conditions == nil {
		m.conditions = condition.New(condition.Host{})
	}
	conv := make([]condition.Condition, len(list))
	for i, c := range list {
		conv[i] = condition.Condition(c)
	}
	ok, verdicts := m.conditions.TestList(conv)
	for _, v := range verdicts {
		for _, n := range v.Notes {
			m.logUnit(u, n.Level, "%s", n.Text)
		}
		m.logUnit(u, v.Level(), "%s", v.Message())
	}
	if asserts {
		u.assertVerdicts = verdicts
	} else {
		u.conditionVerdicts = verdicts
	}
	return ok
}

// failedCondition is unit_find_failed_condition: the condition that made
// the last check fail.
func (m *Manager) failedCondition(u *Unit) *unit.Condition {
	if u.conditionResult {
		return nil
	}
	var failedTrigger *unit.Condition
	succeededTrigger := false
	for i, v := range u.conditionVerdicts {
		if i >= len(u.cfg.Conditions) {
			break
		}
		c := &u.cfg.Conditions[i]
		if v.Trigger {
			if v.Holds() {
				succeededTrigger = true
			} else if failedTrigger == nil {
				failedTrigger = c
			}
		} else if !v.Holds() {
			return c
		}
	}
	if failedTrigger != nil && !succeededTrigger {
		return failedTrigger
	}
	return nil
}

// conditionProps are the Conditions/Asserts property values with the
// last verdicts' states.
func conditionProps(list []unit.Condition, verdicts []condition.Verdict) []unit.ConditionValue {
	out := []unit.ConditionValue{}
	for i, c := range list {
		st := int32(0)
		if i < len(verdicts) {
			if verdicts[i].Holds() {
				st = 1
			} else {
				st = -1
			}
		}
		out = append(out, unit.ConditionValue{Type: c.Type, Trigger: c.Trigger, Negate: c.Negate, Parameter: c.Parameter, State: st})
	}
	return out
}
